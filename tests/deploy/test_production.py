"""Production mode, end to end: the Dockerfile's CMD (gunicorn, DEBUG=0) serving
the image built by the Dockerfile's own steps, on the test database."""

import json
import re
import socket
import subprocess
import time

import pytest
import requests
from django.conf import settings
from django.db import connection
from django.test import Client

from tests.deploy.conftest import image_env
from tests.factories import UserFactory
from tests.integration.conftest import database_url_for_tests
from tests.services import require_postgres

# django_db: so the test database exists (the tests themselves write nothing).
pytestmark = [pytest.mark.integration, pytest.mark.postgres, pytest.mark.django_db]

HTTPS = {"X-Forwarded-Proto": "https"}  # as the TLS-terminating proxy in front of gunicorn sends it
READY_WITHIN = 60  # seconds for gunicorn to boot and answer


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bound_to(command: list[str], address: str) -> list[str]:
    """The command with its --bind address replaced (the container's 0.0.0.0:8000)."""
    for at, word in enumerate(command):
        if word in ("--bind", "-b"):
            return [*command[: at + 1], address, *command[at + 2 :]]
        if word.startswith("--bind="):
            return [*command[:at], f"--bind={address}", *command[at + 1 :]]
    pytest.fail(f"the Dockerfile's command binds no address: {command}")


def wait_until_ready(server: subprocess.Popen, url: str, log) -> None:
    deadline = time.monotonic() + READY_WITHIN
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"gunicorn exited with {server.returncode}:\n{log.read_text()[-3000:]}")
        try:
            requests.get(url, timeout=5)
            return
        except (requests.ConnectionError, requests.Timeout):  # not listening, or no worker up yet
            time.sleep(0.1)  # polling interval, not an ordering assumption
    pytest.fail(f"gunicorn did not answer within {READY_WITHIN} s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def server(dockerfile, image, django_db_setup, django_db_blocker, tmp_path_factory):
    """gunicorn started exactly as the image's CMD says, on a free port of 127.0.0.1."""
    with django_db_blocker.unblock():
        require_postgres(connection)
        database_url = database_url_for_tests()
    command = dockerfile.command
    assert command[0] == "gunicorn", f"the image's command is not gunicorn: {command}"
    port = free_port()
    home = tmp_path_factory.mktemp("gunicorn")
    env = image_env(
        dockerfile,
        DEBUG="0",
        # The test process's key, so a session it creates is valid in the server.
        SECRET_KEY=settings.SECRET_KEY,
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=database_url,
        # No broker: /health/ would then need a Celery worker answering (its critical
        # checks); tests/integration/test_health_endpoint.py covers the broker and the worker.
        REDIS_URL="",
        SECURE_PROXY_SSL_HEADER="1",
        # gunicorn puts its control socket in $HOME: one of its own, as the image's user has.
        HOME=str(home),
    )
    log = home / "gunicorn.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            bound_to(command, f"127.0.0.1:{port}"), cwd=image, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(process, f"{base}/health/", log)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def staff_cookie(server, django_db_blocker):
    """A logged-in staff session the server accepts, committed (the server is another
    process) and removed afterwards; module-wide so the server starts once."""
    with django_db_blocker.unblock():
        user = UserFactory(username="deploy-smoke", is_superuser=True)
        client = Client()
        client.force_login(user)
        session = client.session
    try:
        yield f"{settings.SESSION_COOKIE_NAME}={session.session_key}"
    finally:
        with django_db_blocker.unblock():
            session.delete()
            user.delete()


def manifest_url(image, name: str) -> str:
    return "/static/" + json.loads((image / "staticfiles" / "staticfiles.json").read_text())["paths"][name]


def test_health_answers_200_over_plain_http(server):
    response = requests.get(f"{server}/health/", timeout=10)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "ok"


def test_plain_http_is_redirected_to_https(server):
    response = requests.get(f"{server}/admin/login/", timeout=10, allow_redirects=False)
    assert response.status_code == 301
    assert response.headers["Location"].startswith("https://127.0.0.1")


def test_the_admin_login_page_answers_200_with_hashed_static_urls(server, image):
    response = requests.get(f"{server}/admin/login/", headers=HTTPS, timeout=10)
    assert response.status_code == 200
    assert manifest_url(image, "admin/css/base.css") in response.text
    assert "Strict-Transport-Security" in response.headers


@pytest.mark.parametrize("name", ["dashboard/metrics.js", "vendor/chartjs/chart.umd.min.js"])
def test_the_dashboard_scripts_are_served_at_their_hashed_names(server, image, name):
    url = manifest_url(image, name)
    response = requests.get(f"{server}{url}", headers={**HTTPS, "Accept-Encoding": "gzip"}, timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert "immutable" in response.headers["Cache-Control"]
    assert response.content == (image / "staticfiles" / url.removeprefix("/static/")).read_bytes()


def test_the_dashboard_page_references_its_scripts_by_hashed_name(server, image, staff_cookie):
    response = requests.get(
        f"{server}/admin/dashboards/metrics/",
        headers={**HTTPS, "Cookie": staff_cookie},
        timeout=20,
        allow_redirects=False,
    )
    assert response.status_code == 200, response.text[:500]
    scripts = re.findall(r'<script src="([^"]+)"', response.text)
    assert manifest_url(image, "vendor/chartjs/chart.umd.min.js") in scripts
    assert manifest_url(image, "dashboard/metrics.js") in scripts
