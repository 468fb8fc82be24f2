"""The job runs list and an experiment's page at 1,400 px: nothing pushed out of view, figures readable."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from flags.models import Experiment, ExperimentAnalysis, ExperimentResult
from health.models import JobRun
from tests.factories import UserFactory
from tests.flags.conftest import running_experiment

pytestmark = [pytest.mark.e2e]
PASSWORD = "a long test password 1400"
WIDTH = 1400
OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
JOBS = ["etl.nightly_pipeline", "etl.pull_meta", "etl.compute_metrics", "health.prune_job_runs"]
TABLE_OVERFLOW = "box => box.scrollWidth - box.clientWidth"


@pytest.fixture
def ana(transactional_db):
    return UserFactory(username="ana", password=PASSWORD, is_superuser=True)


@pytest.fixture
def job_runs(transactional_db):
    reason = "Meta answered 500 on /insights: " + " ".join(["the account is rate limited"] * 12)
    for n in range(8):
        JobRun.objects.create(
            job=JOBS[n % len(JOBS)],
            trigger=JobRun.Trigger.COMMAND,
            status=JobRun.Status.FAILED if n % 2 else JobRun.Status.SUCCEEDED,
            started_at=datetime(2026, 11, 30, 2, n, tzinfo=UTC),
            duration=timedelta(seconds=1.172553 + 60 * n),
            rows_read=12_345_678 * (n + 1),
            rows_written=1_234_567,
            error=reason if n % 2 else "",
        )


@pytest.fixture
def experiment(transactional_db):
    experiment = running_experiment()
    experiment.status = Experiment.Status.STOPPED
    experiment.save()
    for position, (variant, rate, lift) in enumerate(
        [("control", "0.0922", None), ("treatment", "0.1104", "0.197")]
    ):
        ExperimentResult.objects.create(
            experiment=experiment,
            metric="purchase",
            variant=variant,
            position=position,
            users=10_240,
            conversions=int(10_240 * float(rate)),
            rate=Decimal(rate),
            lift=Decimal(lift) if lift else None,
            ci_low=Decimal("0.061") if lift else None,
            ci_high=Decimal("0.333") if lift else None,
            p_value=Decimal("0.002652678978") if lift else None,
        )
    ExperimentAnalysis.objects.create(
        experiment=experiment, computed_at=datetime(2026, 11, 30, 6, 47, tzinfo=UTC), users=20_480
    )
    return experiment.pk


def logged_in_page(browser, live_server):
    page = browser.new_context(viewport={"width": WIDTH, "height": 1000}).new_page()
    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    page.fill("#id_username", "ana")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    return page


def test_the_job_runs_list_fits_1400_px_and_shows_the_error(live_server, job_runs, ana, output_dir, browser):
    page = logged_in_page(browser, live_server)
    page.goto(f"{live_server.url}/admin/health/jobrun/")
    page.screenshot(path=str(output_dir / "job-runs-1400.png"), full_page=True)

    assert page.evaluate(OVERFLOW) <= 0, "the job runs list scrolls sideways at 1,400 px"
    assert page.eval_on_selector(".results", TABLE_OVERFLOW) <= 0, "the table scrolls inside its box"
    error = page.locator("#result_list td.field-short_error span").first
    box, shown = error.bounding_box(), page.locator(".results").bounding_box()
    assert box and box["x"] + box["width"] <= shown["x"] + shown["width"], "the failure reason is out of view"
    assert box["height"] < 120, "the failure reason is squeezed into a narrow column"
    assert error.inner_text().startswith("Meta answered 500")
    assert "1 min 1 s" in page.inner_text("#result_list")
    assert "12,345,678" in page.inner_text("#result_list")


def test_the_experiment_page_fits_1400_px_with_a_readable_chart(
    live_server, experiment, ana, output_dir, browser
):
    page = logged_in_page(browser, live_server)
    console = []
    page.on("console", lambda message: console.append(message.text))
    page.goto(f"{live_server.url}/admin/flags/experiment/{experiment}/change/")
    page.wait_for_function("() => window.Chart && Chart.getChart('flags-results-chart')")
    page.screenshot(path=str(output_dir / "experiment-1400.png"), full_page=True)

    assert page.evaluate(OVERFLOW) <= 0, "the experiment page scrolls sideways at 1,400 px"
    chart = page.locator("#flags-results-chart").bounding_box()
    assert chart and chart["width"] >= 700 and 300 <= chart["height"] <= 340, chart
    assert "computed 2026-11-30 01:47 EST" in page.content()
    assert not [text for text in console if "Refused to" in text or "Uncaught" in text]
