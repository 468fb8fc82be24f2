"""Settings checks: Django system checks per app, run at start-up by every entry point."""

import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.checks import run_checks
from django.core.management import CommandError, call_command

from bizops.checks import SETTINGS
from tests.bizops.test_settings import PRODUCTION_ENV, manage

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
BAD_BATCH = "bizops: configuration error: ETL_BATCH_SIZE=0 must be at least 1 [etl.E001]"


def settings_errors() -> list[tuple[str, str]]:
    return [(message.id, message.msg) for message in run_checks(tags=[SETTINGS])]


def test_the_test_settings_pass_every_settings_check():
    assert settings_errors() == []


@pytest.mark.parametrize(
    ("overrides", "check_id", "message"),
    [
        (
            {"JOB_LOCK_HEARTBEAT": 60, "JOB_LOCK_TTL": 60},
            "health.E002",
            "JOB_LOCK_HEARTBEAT=60 must be above 0",
        ),
        ({"JOB_RUN_RETENTION_DAYS": 0}, "health.E001", "JOB_RUN_RETENTION_DAYS=0 must be at least 1"),
        ({"SHOPIFY_PAGE_SIZE": 500}, "etl.E001", "SHOPIFY_PAGE_SIZE=500 must be between 1 and 250"),
        (
            {"METRICS_DEFAULT_GROSS_MARGIN": Decimal("1")},
            "etl.E002",
            "METRICS_DEFAULT_GROSS_MARGIN=1 must be",
        ),
        ({"FLAGS_ALPHA": 0.9}, "flags.E001", "FLAGS_ALPHA=0.9 must be between 0.0001 and 0.5"),
        ({"FINANCE_LTV_CHURN_FLOOR_PCT": Decimal("0")}, "finance.E002", "FINANCE_LTV_CHURN_FLOOR_PCT=0 must"),
        ({"FINANCE_DEFAULT_HORIZON_MONTHS": 48}, "finance.E001", "FINANCE_DEFAULT_HORIZON_MONTHS=48 must"),
        ({"REDIS_URL": "http://cache:6379/0"}, "bizops.E004", "REDIS_URL is malformed"),
        ({"CELERY_TASK_SOFT_TIME_LIMIT": 0}, "bizops.E006", "CELERY_TASK_SOFT_TIME_LIMIT=0 must be above 0"),
        ({"SUPABASE_LOCK_TIMEOUT": "5"}, "bizops.E010", "SUPABASE_LOCK_TIMEOUT='5' is not a duration"),
        ({"DEBUG": False, "ALLOWED_HOSTS": []}, "bizops.E001", "ALLOWED_HOSTS is required"),
    ],
)
def test_each_app_checks_its_own_settings_naming_the_setting(settings, overrides, check_id, message):
    for name, value in overrides.items():
        setattr(settings, name, value)
    errors = settings_errors()
    assert len(errors) == 1, errors
    assert errors[0][0] == check_id
    assert errors[0][1].startswith(message)
    assert "\n" not in errors[0][1]


def test_manage_py_check_lists_a_settings_error_with_its_id(settings):
    settings.ETL_BATCH_SIZE = 0
    with pytest.raises(CommandError, match=r"\(etl\.E001\) ETL_BATCH_SIZE=0 must be at least 1"):
        call_command("check")


def test_a_token_with_a_newline_is_named_without_its_value(settings, monkeypatch):
    monkeypatch.setenv("META_ACCESS_TOKEN", "set")
    settings.META_ACCESS_TOKEN = "EAAB-secret\nX-Injected: 1"
    [(check_id, message)] = settings_errors()
    assert check_id == "bizops.E002"
    assert message.startswith("META_ACCESS_TOKEN contains a control character")
    assert "EAAB" not in message


def test_every_bad_setting_is_named_at_once_one_line_each():
    bad = {"ETL_BATCH_SIZE": "0", "FLAGS_ALPHA": "0.9", "JOB_LOCK_HEARTBEAT": "90"}
    result = manage("check", env={**PRODUCTION_ENV, **bad})
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert all(line.startswith("bizops: configuration error: ") for line in lines), result.stderr
    named = sorted(line.removeprefix("bizops: configuration error: ").split("=")[0] for line in lines)
    assert named == sorted(bad)


def entry_point_env(tmp_path) -> dict[str, str]:
    skip = {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL", "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS"}
    env = {k: v for k, v in os.environ.items() if k not in skip}
    # gunicorn puts its control socket in $HOME.
    return {**env, **PRODUCTION_ENV, "ETL_BATCH_SIZE": "0", "HOME": str(tmp_path)}


@pytest.mark.parametrize(
    "command",
    [
        # Django runs no system checks for diffsettings.
        [sys.executable, "manage.py", "diffsettings"],
        [str(BIN / "celery"), "-A", "bizops", "worker", "--pool=solo"],
        [str(BIN / "celery"), "-A", "bizops", "beat", "--schedule={tmp}/beat"],
        [str(BIN / "gunicorn"), "bizops.wsgi:application", "--bind=127.0.0.1:0", "--workers=2"],
    ],
    ids=["command-without-checks", "celery-worker", "celery-beat", "gunicorn"],
)
def test_every_entry_point_refuses_a_bad_setting_and_stops(tmp_path, command):
    command = [word.format(tmp=tmp_path) for word in command]
    try:
        result = subprocess.run(
            command, cwd=ROOT, env=entry_point_env(tmp_path), capture_output=True, text=True, timeout=120
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"{command[0]} kept running with a bad setting: {exc.stderr}")
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert BAD_BATCH in output.splitlines()
    assert "Traceback" not in output
