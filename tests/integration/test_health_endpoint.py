"""``/health/`` against real services: 503 when Redis is stopped, 503 when no worker answers.

Redis here is a throwaway ``redis-server`` on a free port, started and stopped
by the test (the shared one is never touched); the worker is a real
``celery worker`` consuming the default queue on it."""

import os
import shutil
import socket
import subprocess
import sys
import time

import pytest
import redis
from celery import Celery
from django.db import connection

from tests.integration.conftest import ROOT, database_url_for_tests
from tests.services import missing, require_postgres

pytestmark = [pytest.mark.integration, pytest.mark.redis]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def throwaway_redis(tmp_path):
    binary = shutil.which("redis-server")
    if not binary:
        missing("redis-server is not installed")
    port = free_port()
    server = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 10
    while True:
        try:
            redis.Redis.from_url(url, socket_connect_timeout=0.5).ping()
            break
        except redis.RedisError:
            if time.monotonic() > deadline:
                server.kill()
                pytest.fail("the throwaway redis-server did not start")
            time.sleep(0.05)
    try:
        yield url, server
    finally:
        server.kill()
        server.wait(timeout=10)


def start_worker(url: str, tmp_path) -> subprocess.Popen:
    """A worker on the default queue of the throwaway broker; returns once it answers a ping."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bizops.settings",
        "DATABASE_URL": database_url_for_tests(),
        "REDIS_URL": url,
        "SECRET_KEY": "integration-tests-only-secret-key-0123456789-abcdefghijklmnop",
        "ALLOWED_HOSTS": "localhost",
    }
    log = tmp_path / "worker.log"
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "bizops", "worker", "--pool=solo", "-n", "health-probe@%h",
         "--without-gossip", "--without-mingle", "--loglevel=INFO"],
        cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    client = Celery("probe-test", broker=url, set_as_current=False)
    try:
        deadline = time.monotonic() + 60
        while not client.control.ping(timeout=1):
            if worker.poll() is not None or time.monotonic() > deadline:
                worker.kill()
                pytest.fail(f"the worker did not answer a ping:\n{log.read_text()}")
    finally:
        client.close()
    return worker


def probe(client) -> tuple[int, dict]:
    response = client.get("/health/")
    return response.status_code, response.json()["checks"]


def test_health_answers_503_when_redis_is_stopped(client, db, settings, throwaway_redis, tmp_path):
    require_postgres(connection)  # the worker starts Django on the test database
    url, server = throwaway_redis
    settings.REDIS_URL = url
    worker = start_worker(url, tmp_path)
    try:
        status, checks = probe(client)
        assert (status, checks["redis"], checks["celery worker"]) == (200, "ok", "ok")
        server.kill()
        server.wait(timeout=10)
        status, checks = probe(client)
        assert status == 503
        assert (checks["redis"], checks["celery worker"]) == ("failing", "failing")
        assert checks["database"] == "ok"
    finally:
        worker.kill()
        worker.wait(timeout=20)


def test_health_answers_503_when_no_worker_answers(client, db, settings, throwaway_redis):
    url, _ = throwaway_redis
    settings.REDIS_URL = url
    status, checks = probe(client)
    assert status == 503
    assert (checks["redis"], checks["celery worker"]) == ("ok", "failing")
