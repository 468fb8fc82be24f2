"""Two pulls of one source at once, as two real processes on PostgreSQL and Redis:
one runs, the other is skipped and says so in its exit status."""

import os
import subprocess
import sys

import pytest
from django.db import connection

from health.models import JobRun
from tests.integration.conftest import ROOT, database_url_for_tests
from tests.services import redis_url, require_postgres

pytestmark = [pytest.mark.integration, pytest.mark.postgres, pytest.mark.redis]


def test_a_second_pull_started_while_the_first_runs_is_skipped(transactional_db, sandbox):
    require_postgres(connection)
    env = {
        **os.environ,
        **sandbox.settings(),
        "DJANGO_SETTINGS_MODULE": "bizops.settings",
        "DATABASE_URL": database_url_for_tests(),
        "REDIS_URL": redis_url(),
        "SECRET_KEY": "integration-tests-only-secret-key-0123456789-abcdefghijklmnop",
        "ALLOWED_HOSTS": "localhost",
        "CONN_MAX_AGE": "0",
        # The held request must not time out while the second pull runs.
        "ETL_HTTP_READ_TIMEOUT": "300",
    }
    # The first pull's first request is held in the sandbox until the test releases it.
    sandbox.clear_faults()
    sandbox.inject("hold", provider="meta")
    command = [sys.executable, "manage.py", "etl_pull", "meta"]
    first = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        assert sandbox.wait_until_held(timeout=60), "the first pull never reached the sandbox"
        # The first pull is inside its pull now, holding the job's lock.
        holder = JobRun.objects.get(job="etl.pull_meta", status="running")
        second = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        sandbox.release()
        output, _ = first.communicate(timeout=120)
    finally:
        sandbox.clear_faults()
        if first.poll() is None:
            first.kill()
    assert first.returncode == 0, output
    assert second.returncode == 3, second.stdout + second.stderr
    assert f"meta: skipped: etl.pull_meta is already running (run #{holder.pk} since " in second.stderr, (
        second.stderr
    )
    statuses = sorted(JobRun.objects.filter(job="etl.pull_meta").values_list("status", flat=True))
    assert statuses == ["skipped", "succeeded"]
    connection.close()
