"""health's read API (JobRun.objects.last_outcomes) and the compare-and-set finish of a run."""

from datetime import timedelta

import pytest
from django.utils import timezone

from health.models import JobOutcome, JobRun
from tests.factories import JobRunFactory

pytestmark = pytest.mark.django_db


def test_last_outcomes_give_each_jobs_latest_success_and_failure():
    now = timezone.now()
    for hours, status in [
        (9, "succeeded"),
        (7, "succeeded"),
        (5, "failed"),
        (3, "skipped"),
        (2, "abandoned"),
    ]:
        JobRunFactory(job="a", status=status, finished_at=now - timedelta(hours=hours))
    JobRunFactory(job="b", status="failed", finished_at=now - timedelta(hours=1))
    JobRunFactory(job="other", status="succeeded", finished_at=now)

    outcomes = JobRun.objects.last_outcomes(["a", "b", "never"])

    assert outcomes == {
        "a": JobOutcome(now - timedelta(hours=7), now - timedelta(hours=5)),
        "b": JobOutcome(None, now - timedelta(hours=1)),
    }


def test_finish_records_the_end_of_a_running_run():
    run = JobRunFactory(status=JobRun.Status.RUNNING, rows_read=0)
    run.rows_read = 12
    assert run.finish(JobRun.Status.SUCCEEDED)
    run.refresh_from_db()
    assert (run.status, run.rows_read) == (JobRun.Status.SUCCEEDED, 12)
    assert run.duration == run.finished_at - run.started_at


def test_finish_leaves_an_abandoned_run_abandoned_and_notes_the_late_outcome():
    run = JobRunFactory(status=JobRun.Status.RUNNING)
    JobRun.objects.filter(pk=run.pk).update(status=JobRun.Status.ABANDONED, error="lock lapsed")

    assert not run.finish(JobRun.Status.FAILED, "boom")

    assert (run.status, run.error) == (JobRun.Status.ABANDONED, "lock lapsed")
    stored = JobRun.objects.get(pk=run.pk)
    assert stored.status == JobRun.Status.ABANDONED
    assert stored.detail["finished_late"]["status"] == JobRun.Status.FAILED
    assert stored.detail["finished_late"]["error"] == "boom"
