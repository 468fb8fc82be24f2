"""Start-up configuration: read from the environment, failing with one line."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "k3y-for-a-production-check-only-8f2d7c1b9a6e5d4c3b2a1f0e9d8c7b6a",
    "ALLOWED_HOSTS": "ops.example.com",
}


def manage(*args: str, env: dict) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DEBUG",
            "SECRET_KEY",
            "ALLOWED_HOSTS",
            "DJANGO_SETTINGS_MODULE",
            "REPORTING_TIMEZONE",
            "REPORTING_CURRENCY",
        }
    }
    # No .env is read from the checkout: its values would leak into the test.
    clean.update(env, DJANGO_SETTINGS_MODULE="bizops.settings")
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )


def test_it_refuses_to_start_without_a_secret_key_when_debug_is_off():
    result = manage("check", env={"DEBUG": "0", "ALLOWED_HOSTS": "x.example.com"})
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert lines == [
        "bizops: configuration error: SECRET_KEY is required (set it in the environment or in .env)"
    ]


def test_it_refuses_to_start_without_allowed_hosts_when_debug_is_off():
    result = manage("check", env={"DEBUG": "0", "SECRET_KEY": PRODUCTION_ENV["SECRET_KEY"]})
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        "bizops: configuration error: ALLOWED_HOSTS is required (set it in the environment or in .env)"
    ]


@pytest.mark.parametrize(
    ("name", "value"),
    [("REPORTING_TIMEZONE", "Mars/Olympus"), ("REPORTING_CURRENCY", "dollars"), ("DEBUG", "maybe")],
)
def test_it_names_a_malformed_setting_in_one_line(name, value):
    result = manage("check", env={**PRODUCTION_ENV, name: value})
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert name in lines[0]


def test_a_malformed_database_url_is_named_without_its_password():
    result = manage("check", env={**PRODUCTION_ENV, "DATABASE_URL": "nosuchdb://u:hunter2secret@h/db"})
    assert result.returncode != 0
    assert "DATABASE_URL is malformed" in result.stderr
    assert "hunter2secret" not in result.stderr


def test_check_deploy_reports_nothing_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_the_time_zone_is_the_reporting_time_zone():
    assert settings.USE_TZ is True
    assert settings.TIME_ZONE == settings.REPORTING_TIMEZONE == "America/Toronto"
    assert settings.REPORTING_CURRENCY == "USD"


def test_celery_speaks_json_only_and_acks_late():
    from bizops.celery import app

    assert app.conf.task_serializer == "json"
    assert app.conf.accept_content == ["json"]
    assert app.conf.task_acks_late is True
    assert app.conf.task_time_limit > app.conf.task_soft_time_limit > 0
    assert app.conf.beat_scheduler == "django_celery_beat.schedulers:DatabaseScheduler"
    assert app.conf.timezone == "America/Toronto"


def test_env_example_lists_every_variable_settings_read():
    import re

    source = (ROOT / "bizops" / "settings.py").read_text()
    read = set(re.findall(r'_env\(\s*"([A-Z_]+)"', source)) | {"DATABASE_URL"}
    example = (ROOT / ".env.example").read_text()
    listed = set(re.findall(r"^#?\s*([A-Z_]+)=", example, re.M))
    assert read <= listed, f"missing from .env.example: {sorted(read - listed)}"
