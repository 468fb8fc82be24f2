"""A pull whose worker process is killed mid-run: Celery redelivers it, it waits
for the dead run's lock to lapse, runs again and completes the data.

Real Redis, PostgreSQL and a prefork worker; the pull is held in the sandbox
while the test kills the worker's child with SIGKILL."""

import os
import signal
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection

from etl.models import AdInsightDaily
from etl.pull import pull_source
from health import locks
from health.models import JobRun
from health.runners import REDELIVERY_MARGIN_SECONDS
from tests.etl.conftest import sandbox, snapshot, wipe  # noqa: F401 (the fixture)
from tests.integration.conftest import worker_process

pytestmark = [pytest.mark.integration, pytest.mark.redis, pytest.mark.postgres]
# The worker's job lock, in seconds: the TTL outlasts the time Celery takes to
# notice the lost child and redeliver (a few seconds), so the redelivered task
# finds the dead run's lock still there.
TTL, HEARTBEAT = 10, 1
FIRST, SECOND = "act_1000000001", "act_1000000002"  # the sandbox's Meta accounts


def poll(condition, timeout: float, what: str, log: Path):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    pytest.fail(f"{what} within {timeout} s; the worker's log:\n{log.read_text()}")


def pool_child(pid: int) -> int | None:
    """The prefork pool's one child of the worker ``pid``, if it has started."""
    children = [
        int(child)
        for task in Path(f"/proc/{pid}/task").iterdir()
        for child in (task / "children").read_text().split()
    ]
    return children[0] if len(children) == 1 else None


@pytest.fixture
def sandbox_env(sandbox, monkeypatch):  # noqa: F811
    """The worker inherits the environment: point its connectors at the sandbox."""
    for name, value in sandbox.settings().items():
        monkeypatch.setenv(name, value)
    sandbox.clear_faults()
    yield sandbox
    sandbox.clear_faults()


def test_a_pull_killed_with_its_worker_is_redelivered_retried_and_completes(
    sandbox_env, transactional_db, tmp_path, settings
):
    env = {
        "JOB_LOCK_TTL": str(TTL),
        "JOB_LOCK_HEARTBEAT": str(HEARTBEAT),
        # This test process's namespace, so it can look at the worker's lock.
        "JOB_LOCK_PREFIX": django_settings.JOB_LOCK_PREFIX,
        # The held request must not time out before the kill.
        "ETL_HTTP_READ_TIMEOUT": "300",
    }
    # Held on the second account: the first is loaded by then, the data is partial.
    sandbox_env.inject("hold", provider="meta", path=SECOND)
    log = tmp_path / "worker.log"
    with worker_process(tmp_path, pool="prefork", env=env) as (client, queue, worker):
        client.send_task("etl.pull_meta", kwargs={"since": None, "until": None}, queue=queue)
        assert sandbox_env.wait_until_held(timeout=30), (
            f"the pull never reached the sandbox:\n{log.read_text()}"
        )
        dead = JobRun.objects.get(job="etl.pull_meta", status="running")
        assert AdInsightDaily.objects.filter(account__external_id=FIRST).exists()
        assert not AdInsightDaily.objects.filter(account__external_id=SECOND).exists()

        os.kill(poll(lambda: pool_child(worker.pid), 10, "no pool child", log), signal.SIGKILL)
        sandbox_env.release()  # the held request's client is gone; the hold fired once
        done = poll(
            lambda: JobRun.objects.filter(job="etl.pull_meta", status="succeeded").first(),
            35,
            "no run of etl.pull_meta succeeded",
            log,
        )
        assert poll(lambda: not locks.is_held("etl.pull_meta"), 10, "the job's lock is still held", log)

    dead.refresh_from_db()
    assert dead.status == "abandoned"
    skipped = JobRun.objects.get(job="etl.pull_meta", status="skipped")
    assert skipped.task_id == done.task_id == dead.task_id
    assert dead.started_at < skipped.started_at < done.started_at
    countdown = TTL + REDELIVERY_MARGIN_SECONDS
    assert (
        f"redelivered after a lost worker: will be retried in {countdown} s (retry 1 of 3)" in skipped.error
    )
    assert JobRun.objects.filter(job="etl.pull_meta").count() == 3

    # The same rows as one clean pull into empty tables.
    after_retry = snapshot()
    wipe()
    for name, value in sandbox_env.settings().items():
        setattr(settings, name, value)
    pull_source("meta")
    assert after_retry == snapshot()
    assert after_retry["insights"]
    connection.close()
