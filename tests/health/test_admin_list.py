"""The job runs list: durations, counters and the failure reason as a person reads them."""

from datetime import UTC, datetime, timedelta

import pytest

from health.models import JobRun

pytestmark = pytest.mark.django_db

REASON = "Meta answered 500 on the insights call " + "x" * 200 + " END-OF-REASON"


def failed_run() -> JobRun:
    return JobRun.objects.create(
        job="etl.meta",
        trigger=JobRun.Trigger.BEAT,
        status=JobRun.Status.FAILED,
        started_at=datetime(2026, 11, 30, 2, 41, tzinfo=UTC),
        duration=timedelta(minutes=3, seconds=4.2),
        rows_read=1234567,
        rows_written=89012,
        error=REASON,
    )


def test_the_list_shows_durations_counters_and_the_clipped_error(admin_client):
    failed_run()
    JobRun.objects.create(
        job="etl.shopify",
        trigger=JobRun.Trigger.BEAT,
        status="succeeded",
        duration=timedelta(seconds=1.172553),
    )
    page = admin_client.get("/admin/health/jobrun/").content.decode()
    assert "1.2 s" in page and "0:00:01.172553" not in page
    assert "3 min 4 s" in page
    assert "1,234,567 / 89,012" in page
    assert "Meta answered 500 on the insights call" in page
    cell = page.split('class="field-short_error"', 1)[1].split("</td>", 1)[0]
    assert "END-OF-REASON</span>" not in cell  # clipped in the list ...


def test_the_change_page_shows_the_full_error(admin_client):
    run = failed_run()
    page = admin_client.get(f"/admin/health/jobrun/{run.pk}/change/").content.decode()
    assert "END-OF-REASON" in page  # ... whole on its page


def test_a_runs_title_is_in_the_reporting_time_zone(settings):
    assert settings.TIME_ZONE == "America/Toronto"
    assert str(failed_run()) == "etl.meta failed at 2026-11-29 21:41 EST"
