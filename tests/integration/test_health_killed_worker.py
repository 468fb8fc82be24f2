"""A worker killed mid-task leaves a run "running"; the next sweep marks it abandoned,
its lock is free again, and a rerun succeeds.

Real PostgreSQL, Redis and a prefork worker. The task (``health.prune_job_runs``)
is held mid-run by a row lock this test takes on the row it must delete, and
released only after the worker and its child are killed with SIGKILL."""

import os
import signal
import time
from pathlib import Path

import psycopg
import pytest
from django.conf import settings as django_settings
from django.db import connection

from health import locks
from health.models import JobRun
from health.sweep import run_sweep
from tests.factories import JobRunFactory
from tests.integration.conftest import database_url_for_tests, worker_process
from tests.services import redis_url, require_postgres

pytestmark = [pytest.mark.integration, pytest.mark.redis, pytest.mark.postgres]
JOB = "health.prune_job_runs"
ENV = {"JOB_LOCK_TTL": "2", "JOB_LOCK_HEARTBEAT": "1"}


def poll(condition, timeout: float, what: str, log: Path):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    pytest.fail(f"{what} within {timeout} s; the worker's log:\n{log.read_text()}")


def pool_children(pid: int) -> list[int]:
    return [
        int(c)
        for task in Path(f"/proc/{pid}/task").iterdir()
        for c in (task / "children").read_text().split()
    ]


def blocked_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND wait_event_type = 'Lock' AND query ILIKE 'DELETE%%'"
        )
        return cursor.fetchone()[0] > 0


def test_a_run_killed_with_its_worker_is_marked_abandoned_by_the_sweep_and_a_rerun_succeeds(
    transactional_db, tmp_path, monkeypatch
):
    require_postgres(connection)  # skip (or fail under REQUIRE_SERVICES) before connecting
    redis_url()
    env = {**ENV, "JOB_LOCK_PREFIX": django_settings.JOB_LOCK_PREFIX}
    old = JobRunFactory(job="old.job", started_at="2020-01-01T00:00:00Z")
    log = tmp_path / "worker.log"
    holder = psycopg.connect(database_url_for_tests())
    try:
        # Hold the row the prune must delete: the task blocks mid-run until we let go.
        holder.execute("SELECT id FROM health_jobrun WHERE id = %s FOR UPDATE", [old.pk])
        with worker_process(tmp_path, pool="prefork", env=env) as (client, queue, worker):
            client.send_task(JOB, kwargs={"days": 30}, queue=queue)
            poll(blocked_on_a_lock, 30, "the prune never blocked on the held row", log)
            dead = JobRun.objects.get(job=JOB)
            assert dead.status == "running"
            assert locks.is_held(JOB)
            for pid in [*pool_children(worker.pid), worker.pid]:
                os.kill(pid, signal.SIGKILL)
            worker.wait(timeout=10)
    finally:
        holder.rollback()
        holder.close()

    # The dead holder stops renewing: its lock lapses within the TTL.
    monkeypatch.setattr(django_settings, "JOB_LOCK_TTL", 2)
    poll(lambda: not locks.is_held(JOB), 10, "the dead run's lock is still held", log)
    dead.refresh_from_db()
    assert dead.status == "running"  # nothing has noticed yet

    sweep = run_sweep()
    dead.refresh_from_db()
    assert dead.status == "abandoned"
    assert dead.error.startswith("abandoned: its process stopped")
    assert sweep.abandoned == 1
    assert not locks.is_held(JOB)

    with worker_process(tmp_path, pool="prefork", env=env) as (client, queue, _):
        result = client.send_task(JOB, kwargs={"days": 30}, queue=queue)
        assert result.get(timeout=60) == {"deleted": 1, "rows_written": 1, "days": 30}
    assert list(JobRun.objects.filter(job=JOB).order_by("started_at").values_list("status", flat=True)) == [
        "abandoned",
        "succeeded",
    ]
    connection.close()
