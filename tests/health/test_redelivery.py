"""A task carrying on a lost worker's run is retried while the job is locked, a bounded number of times.

Redelivery itself (kombu's ``redelivered`` flag on a real prefork worker killed
mid-run) is tested in tests/integration/test_worker_lost.py; an eager task
cannot be redelivered, but it can be a retry.
"""

import pytest
from celery.exceptions import Retry

from health.locks import job_lock
from health.models import JobRun
from health.runners import REDELIVERY_MARGIN_SECONDS, JobTask
from health.tasks import prune_job_runs

pytestmark = pytest.mark.django_db
BOUND = JobTask.redelivery_retries


def test_a_retry_refused_by_the_lock_is_retried_after_the_lock_ttl(settings):
    settings.JOB_LOCK_TTL = 60
    with job_lock("health.prune_job_runs"), pytest.raises(Retry) as retry:
        prune_job_runs.apply(retries=1)
    assert retry.value.when == 60 + REDELIVERY_MARGIN_SECONDS
    run = JobRun.objects.get(job="health.prune_job_runs")
    assert run.status == "skipped"
    assert run.error == (
        "skipped: health.prune_job_runs is already running (its run is starting); redelivered after a lost"
        f" worker: will be retried in {60 + REDELIVERY_MARGIN_SECONDS} s (retry 2 of {BOUND})"
    )


def test_the_last_retry_refused_by_the_lock_stays_skipped():
    with job_lock("health.prune_job_runs"):
        result = prune_job_runs.apply(retries=BOUND).get()
    assert result["status"] == "skipped"
    assert result["error"].endswith(f"; redelivered after a lost worker; gave up after {BOUND} retries")
    assert JobRun.objects.get(job="health.prune_job_runs").error == result["error"]


def test_a_retry_that_finds_the_job_free_runs():
    result = prune_job_runs.apply(kwargs={"days": 30}, retries=1).get()
    assert result["days"] == 30
    assert JobRun.objects.get(job="health.prune_job_runs").status == "succeeded"
