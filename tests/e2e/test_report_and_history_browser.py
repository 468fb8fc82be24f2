"""A report's page and a flag's History at 1,400 px: no sideways scroll, figures as a table, no "None"."""

import pytest

from tests.e2e.test_job_runs_and_experiment_browser import OVERFLOW, ana, logged_in_page  # noqa: F401
from tests.factories import ReportFactory
from tests.flags.conftest import FlagFactory

pytestmark = [pytest.mark.e2e]


@pytest.fixture
def pages(transactional_db):
    report = ReportFactory(
        figures={"net_sales": 25690.41, "orders": 1234, "by_channel": {"meta": 22625.02, "tiktok": 12531.22}}
    )
    flag = FlagFactory()
    flag._change_reason = "Ramp to 50 %"
    flag.save()
    return report.pk, flag.pk


def test_the_report_and_history_pages_fit_1400_px(live_server, pages, ana, output_dir, browser):  # noqa: F811
    report, flag = pages
    page = logged_in_page(browser, live_server)

    page.goto(f"{live_server.url}/admin/bizops/report/{report}/change/")
    page.screenshot(path=str(output_dir / "report-1400.png"), full_page=True)
    assert page.evaluate(OVERFLOW) <= 0
    assert page.locator("table.report-figures tr").count() == 3
    assert page.locator("textarea[name=figures]").count() == 0

    page.goto(f"{live_server.url}/admin/flags/flag/{flag}/history/")
    page.screenshot(path=str(output_dir / "flag-history-1400.png"), full_page=True)
    assert page.evaluate(OVERFLOW) <= 0
    reasons = page.locator("#change-history tbody td:nth-last-child(2)").all_inner_texts()
    assert [text.strip() for text in reasons] == ["Ramp to 50 %", ""]
