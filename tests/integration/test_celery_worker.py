"""A task goes through a real Redis broker to a real worker and records its run."""

import pytest

from health.models import JobRun
from tests.factories import JobRunFactory

pytestmark = [pytest.mark.integration, pytest.mark.redis, pytest.mark.postgres]


def test_a_task_sent_through_redis_runs_on_a_worker_and_records_its_job_run(celery_worker_process):
    client, queue = celery_worker_process
    JobRunFactory(job="old.job", started_at="2020-01-01T00:00:00Z")
    JobRunFactory(job="recent.job")

    result = client.send_task("health.prune_job_runs", kwargs={"days": 30}, queue=queue)
    assert result.get(timeout=60) == {"deleted": 1, "rows_written": 1, "days": 30}

    run = JobRun.objects.get(job="health.prune_job_runs")
    assert run.task_id == result.id
    assert (run.trigger, run.status, run.rows_written) == ("manual", "succeeded", 1)
    assert set(JobRun.objects.values_list("job", flat=True)) == {"recent.job", "health.prune_job_runs"}


def test_a_failing_task_is_recorded_as_failed_by_the_worker(celery_worker_process):
    client, queue = celery_worker_process
    result = client.send_task("health.prune_job_runs", kwargs={"days": "not-a-number"}, queue=queue)
    with pytest.raises(TypeError, match="unsupported type for timedelta days component: str"):
        result.get(timeout=60)
    run = JobRun.objects.get(job="health.prune_job_runs")
    assert run.status == "failed"
    assert run.task_id == result.id
    assert run.error == "TypeError: unsupported type for timedelta days component: str"
