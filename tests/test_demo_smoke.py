"""The demo path on the SQLite default: migrate, seed, serve the admin, log in."""

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_demo_migrates_seeds_and_serves_a_working_admin(tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(DEBUG="1", DATABASE_URL=f"sqlite:///{tmp_path / 'demo.sqlite3'}", SECRET_KEY="")
    run = lambda *args: subprocess.run(  # noqa: E731
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert run("migrate", "--noinput").returncode == 0
    seeded = run("seed_demo")
    assert seeded.returncode == 0, seeded.stderr
    password = re.search(r"password '([^']+)'", seeded.stdout).group(1)
    # Seeding again (make demo a second time) keeps the password and prints it again, last.
    again = run("seed_demo")
    assert again.returncode == 0, again.stderr
    assert (
        again.stdout.strip().splitlines()[-1] == f"demo admin unchanged: user 'admin' password '{password}'"
    )
    assert (tmp_path / ".demo-admin-password").read_text().strip() == password

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        session = requests.Session()
        deadline = time.monotonic() + 60
        while True:
            try:
                login = session.get(f"{base}/", timeout=2)
                break
            except requests.ConnectionError:
                # Not listening yet: poll until it is, or fail saying why.
                assert server.poll() is None, "runserver exited before answering"
                assert time.monotonic() < deadline, "runserver did not answer within 60 s"
                time.sleep(0.2)
        assert login.status_code == 200
        assert login.url.endswith("/admin/login/?next=/admin/")
        token = session.cookies["csrftoken"]
        index = session.post(
            f"{base}/admin/login/?next=/admin/",
            timeout=10,
            data={"csrfmiddlewaretoken": token, "username": "admin", "password": password, "next": "/admin/"},
        )
        assert "Backlog tickets" in index.text
        tickets = session.get(f"{base}/admin/bizops/backlogticket/", timeout=10).text
        assert "analytics_infrastructure" in tickets
        assert "usage_limit_enforcement" in tickets
        assert session.get(f"{base}/admin/bizops/backlogticket/import/", timeout=10).status_code == 200
        icon = requests.get(f"{base}/favicon.ico", timeout=10)
        assert (icon.status_code, icon.headers["Content-Type"]) == (200, "image/svg+xml")
        assert "/static/bizops/favicon.svg" in index.text
        sdk_url = re.search(r"SDK payload at http://127\.0\.0\.1:8000(/flags/sdk/\S+\.json)", seeded.stdout)
        sdk = requests.get(f"{base}{sdk_url.group(1)}", timeout=10)
        assert sdk.status_code == 200 and "new-checkout" in sdk.json()["features"]
    finally:
        server.terminate()
        server.wait(timeout=20)
