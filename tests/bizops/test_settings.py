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
        "bizops: configuration error: SECRET_KEY is required (set it in the environment or in .env) "
        "[bizops.E001]"
    ]


def test_it_refuses_to_start_without_allowed_hosts_when_debug_is_off():
    result = manage("check", env={"DEBUG": "0", "SECRET_KEY": PRODUCTION_ENV["SECRET_KEY"]})
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        "bizops: configuration error: ALLOWED_HOSTS is required (set it in the environment or in .env) "
        "[bizops.E001]"
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
    read = set(re.findall(r'\benv(?:\.\w+)?\(\s*"([A-Z_]+)"', source))
    assert {"DEBUG", "SECRET_KEY", "DATABASE_URL", "ETL_BATCH_SIZE", "FINANCE_LEVER_STEP_PCT"} <= read
    example = (ROOT / ".env.example").read_text()
    listed = set(re.findall(r"^#?\s*([A-Z_]+)=", example, re.M))
    assert read <= listed, f"missing from .env.example: {sorted(read - listed)}"


def assert_refused_in_one_line(result: subprocess.CompletedProcess, *words: str) -> str:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("bizops: configuration error: ")
    for word in words:
        assert word in lines[0]
    return lines[0]


@pytest.mark.parametrize("name", ["META_ACCESS_TOKEN", "SHOPIFY_ACCESS_TOKEN", "SECRET_KEY"])
@pytest.mark.parametrize(
    "value", ["EAAB-secret\nX-Injected: 1", "EAAB-secret\tx", " EAAB-secret", "EAAB-secret "]
)
def test_a_secret_with_a_control_character_or_spaces_around_it_is_refused_without_quoting_it(name, value):
    result = manage("check", env={**PRODUCTION_ENV, name: value})
    line = assert_refused_in_one_line(result, name)
    assert "EAAB" not in result.stderr + result.stdout
    assert "remove" in line


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("LOG_LEVEL", "LOUD", "use DEBUG, INFO, WARNING, ERROR or CRITICAL"),
        ("ETL_BATCH_SIZE", "0", "ETL_BATCH_SIZE=0 must be at least 1"),
        ("ETL_HTTP_MAX_RETRIES", "-1", "ETL_HTTP_MAX_RETRIES=-1 must be at least 0"),
        ("CELERY_TASK_TIME_LIMIT", "30", "must be above 0 and below CELERY_TASK_TIME_LIMIT=30"),
        ("CELERY_TASK_SOFT_TIME_LIMIT", "9000", "CELERY_TASK_SOFT_TIME_LIMIT=9000 must be above 0 and below"),
        ("REDIS_URL", "garbage", "REDIS_URL is malformed (expected redis://"),
        ("ALLOWED_HOSTS", " ", "ALLOWED_HOSTS has a blank entry"),
        ("ALLOWED_HOSTS", "ops.example.com, www.example.com", "ALLOWED_HOSTS has spaces around a value"),
        ("SHOPIFY_PAGE_SIZE", "500", "SHOPIFY_PAGE_SIZE=500 must be between 1 and 250"),
        ("FLAGS_LIFETIME_OPS_DAYS", "-1", "FLAGS_LIFETIME_OPS_DAYS=-1 must be at least 0"),
        ("CONN_MAX_AGE", "-5", "CONN_MAX_AGE=-5 must be at least 0"),
        ("ETL_HTTP_READ_TIMEOUT", "0", "ETL_HTTP_READ_TIMEOUT=0.0 must be at least 0.1"),
    ],
)
def test_a_setting_that_would_fail_later_is_refused_at_start_up_naming_it(name, value, says):
    result = manage("check", env={**PRODUCTION_ENV, name: value})
    assert_refused_in_one_line(result, name, says)


def test_a_redis_url_with_a_password_is_refused_without_quoting_it():
    result = manage("check", env={**PRODUCTION_ENV, "REDIS_URL": "http://:hunter2secret@cache:6379/0"})
    assert_refused_in_one_line(result, "REDIS_URL")
    assert "hunter2secret" not in result.stderr


def test_a_lower_case_log_level_is_accepted():
    result = manage("check", env={**PRODUCTION_ENV, "LOG_LEVEL": "debug"})
    assert result.returncode == 0, result.stderr
