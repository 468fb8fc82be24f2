"""A real Celery worker on a real Redis broker, sharing the test database."""

import os
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from celery import Celery
from django.db import connection

from tests.services import redis_url, require_postgres

ROOT = Path(__file__).resolve().parents[2]


def database_url_for_tests() -> str:
    """The URL of the test database pytest-django created (test_<name>)."""
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.fixture
def celery_worker_process(transactional_db, tmp_path):
    """Start `celery worker` in a subprocess on its own queue; yield (client app, queue)."""
    with worker_process(tmp_path) as (client, queue, _):
        yield client, queue


@contextmanager
def worker_process(
    tmp_path,
    *,
    pool: str = "solo",
    env: dict | None = None,
    queue: str | None = None,
    queues: list[str] | None = None,
    concurrency: int = 1,
):
    """A `celery worker` subprocess on its own queue; yields (client app, queue, worker Popen).

    ``pool="prefork"`` runs one child process (concurrency 1), as in production;
    ``env`` adds to the worker's environment; ``queue`` names its queue (default: a
    fresh one); ``queues``: the queues it consumes instead (the yielded queue is then
    its node name's). The worker logs to ``tmp_path / "worker.log"``.
    """
    require_postgres(connection)
    broker = redis_url()
    queue = queue or f"tests-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bizops.settings",
        "DATABASE_URL": database_url_for_tests(),
        "REDIS_URL": broker,
        "SECRET_KEY": "integration-tests-only-secret-key-0123456789-abcdefghijklmnop",
        "ALLOWED_HOSTS": "localhost",
        "CONN_MAX_AGE": "0",
        **(env or {}),
    }
    log = tmp_path / "worker.log"
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "bizops",
            "worker",
            f"--pool={pool}",
            f"--concurrency={concurrency}",
            "-Q",
            ",".join(queues or [queue]),
            "-n",
            f"{queue}@%h",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=INFO",
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    client = Celery("tests-client", broker=broker, backend=broker, set_as_current=False)
    client.conf.update(task_serializer="json", accept_content=["json"], result_serializer="json")
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if worker.poll() is not None:
                pytest.fail(f"the worker exited early:\n{log.read_text()}")
            if client.control.ping(destination=[f"{queue}@{os.uname().nodename}"], timeout=1):
                break
        else:
            pytest.fail(f"the worker did not answer a ping within 60 s:\n{log.read_text()}")
        yield client, queue, worker
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
        client.close()
        # The worker's connections must be gone before the test database is flushed.
        connection.close()
