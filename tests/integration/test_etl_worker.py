"""ETL pulls as Celery tasks on a real worker through Redis, against the sandbox."""

import pytest

from etl.models import AdInsightDaily, SyncState
from health.models import JobRun
from tests.etl.conftest import sandbox  # noqa: F401 (the fixture)

pytestmark = [pytest.mark.integration, pytest.mark.redis, pytest.mark.postgres]


@pytest.fixture
def sandbox_env(sandbox, monkeypatch):  # noqa: F811
    """The worker inherits the environment: point its connectors at the sandbox."""
    for name, value in sandbox.settings().items():
        monkeypatch.setenv(name, value)
    sandbox.clear_faults()
    return sandbox


def test_a_pull_task_runs_on_the_worker_under_its_job_name(sandbox_env, celery_worker_process):
    client, queue = celery_worker_process
    result = client.send_task("etl.pull_tiktok", kwargs={"since": None, "until": None}, queue=queue)
    summary = result.get(timeout=120)
    assert summary["source"] == "tiktok" and summary["rows_written"] == AdInsightDaily.objects.count() > 0
    run = JobRun.objects.get(job="etl.pull_tiktok")
    assert (run.status, run.task_id, run.rows_written) == ("succeeded", result.id, summary["rows_written"])
    assert SyncState.objects.get(source="tiktok").cursor
