"""The health overview and a job's page at 1,400 px in Chromium: charts drawn, nothing cut off."""

from datetime import timedelta

import pytest
from django.utils import timezone

from bizops.core.models import BacklogTicket
from health.report import write_snapshot
from health.sweep import run_sweep
from tests.e2e.conftest import WIDTH
from tests.factories import JobRunFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]
LONG_ERROR = "ProviderError: " + "the Marketing API answered 500 with a very long message " * 6


@pytest.fixture(autouse=True)
def orm_beside_the_browser(monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def health_data(transactional_db):
    now = timezone.now()
    for day in range(14):
        at = now - timedelta(days=day, hours=3)
        failed = day in (1, 2)
        JobRunFactory(
            job="etl.pull_meta", status="failed" if failed else "succeeded", started_at=at,
            finished_at=at + timedelta(seconds=40 + day), duration=timedelta(seconds=40 + day),
            rows_read=12_000, rows_written=11_500, error=LONG_ERROR if failed else "",
        )  # fmt: skip
    BacklogTicket.objects.create(key="no-owner", title="A ticket nobody holds " * 4)
    write_snapshot(run_sweep())
    write_snapshot(run_sweep())


def assert_fits(tab, name: str, output_dir) -> None:
    tab.screenshot(path=str(output_dir / f"{name}-1400.png"), full_page=True)
    scroll, client = tab.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert scroll <= client, f"the page scrolls sideways: {scroll} > {client}"
    wide = tab.evaluate(
        """() => [...document.querySelectorAll('#health-page table, #health-page .chart-box')]
              .filter(e => e.scrollWidth > e.clientWidth + 1).length"""
    )
    assert wide == 0, "a table or chart is wider than its box"


def test_the_health_overview_fits_1400_px_with_its_scores_chart(page, live_server, health_data, output_dir):
    page.goto(f"{live_server.url}/admin/health/monitor/overview/")
    page.wait_for_function("() => window.Chart && Chart.getChart(document.getElementById('scores-chart'))")
    assert page.evaluate("Chart.getChart(document.getElementById('scores-chart')).data.labels.length") == 2
    assert_fits(page, "health-overview", output_dir)
    assert page.locator("text=Socio-technical alignment (1)").is_visible()


def test_a_job_page_fits_1400_px_with_its_runs_chart_and_last_error(
    page, live_server, health_data, output_dir
):
    page.goto(f"{live_server.url}/admin/health/monitor/job/etl.pull_meta/")
    page.wait_for_function("() => window.Chart && Chart.getChart(document.getElementById('runs-chart'))")
    assert_fits(page, "health-job", output_dir)
    error = page.locator("pre.error")
    assert error.is_visible() and error.bounding_box()["x"] + error.bounding_box()["width"] <= WIDTH
    assert page.locator("text=85.7%").is_visible()  # 12 succeeded / 14 finished
