"""Two pulls of one source at once, as two real processes on PostgreSQL and Redis:
one runs, the other is skipped."""

import os
import subprocess
import sys
import time

import pytest
from django.db import connection

from health.models import JobRun
from tests.integration.conftest import ROOT, database_url_for_tests
from tests.services import redis_url, require_postgres

pytestmark = [pytest.mark.integration, pytest.mark.postgres, pytest.mark.redis]


def test_a_second_pull_started_while_the_first_runs_is_skipped(transactional_db, sandbox, tmp_path):
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
        "ETL_HTTP_READ_TIMEOUT": "20",
    }
    # The first pull's first request stalls for 3 s (an answer slow to come, not a timeout).
    sandbox.clear_faults()
    sandbox.inject("timeout", provider="meta", delay=3.0)
    command = [sys.executable, "manage.py", "etl_pull", "meta"]
    first = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        deadline = time.monotonic() + 30
        while not JobRun.objects.filter(job="etl.pull_meta", status="running").exists():
            assert time.monotonic() < deadline, "the first pull never started"
            assert first.poll() is None, first.communicate()[0]
            time.sleep(0.05)
        second = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
        output, _ = first.communicate(timeout=60)
    finally:
        if first.poll() is None:
            first.kill()
        sandbox.clear_faults()
    assert first.returncode == 0, output
    assert second.returncode == 0, second.stderr
    assert "meta: skipped, skipped: another run of etl.pull_meta holds the lock" in second.stdout
    statuses = sorted(JobRun.objects.filter(job="etl.pull_meta").values_list("status", flat=True))
    assert statuses == ["skipped", "succeeded"]
    connection.close()
