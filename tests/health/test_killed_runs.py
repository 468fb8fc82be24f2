"""A run whose process is killed: its lock is freed within the TTL, the next run
goes ahead and the killed run is marked abandoned. Real processes, real services."""

import os
import select
import signal
import subprocess
import sys
import time

import pytest
from django.conf import settings as django_settings
from django.db import connection

from health.jobs import track_job
from health.models import JobRun
from tests.integration.conftest import ROOT, database_url_for_tests
from tests.services import redis_url, require_postgres

pytestmark = pytest.mark.postgres
TTL, HEARTBEAT = 2, 1  # seconds, for the holder process and this one


def holder_env(redis: str) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bizops.settings",
        "DATABASE_URL": database_url_for_tests(),
        "REDIS_URL": redis,
        "SECRET_KEY": "tests-only-secret-key-for-the-holder-process-0123456789",
        "ALLOWED_HOSTS": "localhost",
        "CONN_MAX_AGE": "0",
        "JOB_LOCK_TTL": str(TTL),
        "JOB_LOCK_HEARTBEAT": str(HEARTBEAT),
        # This test process's namespace, so all the processes contend for the same lock.
        "JOB_LOCK_PREFIX": django_settings.JOB_LOCK_PREFIX,
    }


def start_holder(job: str, env: dict) -> tuple[subprocess.Popen, int]:
    """A process holding ``job``, blocked on its stdin; returns it and its run's pk."""
    holder = subprocess.Popen(
        [sys.executable, "-m", "tests.health.hold_job", job],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([holder.stdout], [], [], deadline - time.monotonic())
        line = holder.stdout.readline() if ready else ""
        if line.startswith("holding run "):
            return holder, int(line.split()[-1])
        if holder.poll() is not None:
            pytest.fail(f"the holder exited early: {line}{holder.stdout.read()}")
    holder.kill()
    pytest.fail("the holder did not take the job within 60 s")


def assert_the_next_run_goes_ahead_after_a_kill(redis: str, settings) -> None:
    job = "health.weekly_sweep"  # the job of a real command, to see its exit status when refused
    settings.JOB_LOCK_TTL, settings.JOB_LOCK_HEARTBEAT = TTL, HEARTBEAT
    env = holder_env(redis)
    holder, killed_pk = start_holder(job, env)
    try:
        # While it lives, a command of the same job is refused and says so in its exit status.
        refused = subprocess.run(
            [sys.executable, "manage.py", "health_sweep"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=30)
    finally:
        if holder.poll() is None:
            holder.kill()
    killed_at = time.monotonic()
    # Polls for the lock with a deadline: the killed holder's lock lapses within TTL + HEARTBEAT.
    with track_job(job, trigger=JobRun.Trigger.COMMAND, wait=TTL + HEARTBEAT + 10) as run:
        took = time.monotonic() - killed_at
    assert took <= TTL + HEARTBEAT + 10
    assert JobRun.objects.get(pk=run.run.pk).status == "succeeded"
    killed = JobRun.objects.get(pk=killed_pk)
    assert killed.status == "abandoned", killed.status
    assert killed.error.startswith("abandoned: its process stopped") and killed.finished_at is not None
    assert refused.returncode == 3, refused.stdout + refused.stderr
    assert f"skipped: {job} is already running (run #{killed_pk} since " in refused.stderr
    connection.close()


def test_a_killed_holder_frees_its_redis_lock_within_the_ttl_and_is_marked_abandoned(
    transactional_db, settings
):
    require_postgres(connection)
    settings.REDIS_URL = redis_url()
    assert_the_next_run_goes_ahead_after_a_kill(settings.REDIS_URL, settings)


def test_a_killed_holder_frees_its_advisory_lock_and_is_marked_abandoned(transactional_db, settings):
    require_postgres(connection)
    settings.REDIS_URL = ""
    assert_the_next_run_goes_ahead_after_a_kill("", settings)
