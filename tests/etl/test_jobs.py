"""The command and the Celery tasks: progress, a summary line, job runs, the job lock."""

import logging
import os
import subprocess
import sys
from datetime import timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import timezone

from etl.models import AdInsightDaily, Order
from etl.tasks import pull_meta, pull_shopify, pull_tiktok
from health.jobs import track_job
from health.models import JobRun

pytestmark = pytest.mark.django_db
SECRET = "EAAB-very-secret-token-0123456789abcdef"


def test_the_command_shows_progress_and_ends_with_one_summary_line(etl_settings):
    out = StringIO()
    call_command("etl_pull", "tiktok", stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert any("page 1," in line and "rows read" in line for line in lines)
    assert lines[-1].startswith("etl_pull: tiktok: 1 account(s), ")
    assert "rows written" in lines[-1] and "throttling wait(s)" in lines[-1]
    run = JobRun.objects.get(job="etl.pull_tiktok")
    assert (run.status, run.trigger) == ("succeeded", "command")
    assert run.rows_written == AdInsightDaily.objects.count() > 0


def test_the_command_pulls_all_sources_and_fails_naming_the_one_that_failed(etl_settings):
    etl_settings.TIKTOK_ACCESS_TOKEN = ""
    with pytest.raises(CommandError, match="tiktok: FAILED, TIKTOK_ACCESS_TOKEN is not set") as caught:
        call_command("etl_pull", "all", stdout=StringIO())
    assert "meta: 2 account(s)" in str(caught.value) and "shopify: 1 account(s)" in str(caught.value)
    assert JobRun.objects.get(job="etl.pull_tiktok").status == "failed"
    assert Order.objects.exists()


def test_the_command_refuses_an_unknown_source():
    with pytest.raises(CommandError, match="invalid choice: 'google'"):
        call_command("etl_pull", "google")


def test_the_command_refuses_a_malformed_date():
    with pytest.raises(CommandError, match="'2026-13-01' is not a date"):
        call_command("etl_pull", "meta", "--since", "2026-13-01")


def test_a_task_pulls_under_its_job_name_with_iso_dates(etl_settings):
    result = pull_shopify.delay(since="2026-01-01").get()
    assert result["source"] == "shopify" and result["rows_written"] > 0
    run = JobRun.objects.get(job="etl.pull_shopify")
    assert run.status == "succeeded" and run.rows_read == result["rows_read"]


def test_a_second_pull_of_one_source_is_skipped_while_the_first_runs(etl_settings):
    with track_job("etl.pull_meta", trigger=JobRun.Trigger.MANUAL) as first:
        skipped = pull_meta.delay().get()
        with pytest.raises(CommandError) as caught:
            call_command("etl_pull", "meta", stdout=StringIO())
    assert skipped["status"] == "skipped"
    assert caught.value.returncode == 3
    assert str(caught.value).startswith(
        f"etl_pull: meta: skipped: etl.pull_meta is already running (run #{first.run.pk} since "
    )
    assert not AdInsightDaily.objects.exists()
    assert JobRun.objects.filter(job="etl.pull_meta", status="skipped").count() == 2


def test_pulls_of_different_sources_do_not_block_each_other(etl_settings):
    with track_job("etl.pull_meta", trigger=JobRun.Trigger.MANUAL):
        assert pull_tiktok.delay().get()["rows_written"] > 0


def test_a_token_never_reaches_logs_errors_or_job_runs(etl_settings, sandbox, caplog):
    etl_settings.META_ACCESS_TOKEN = SECRET
    sandbox.inject("expired_token", provider="meta", after=1, times=0)
    caplog.set_level(logging.DEBUG)
    # urllib3 logs each request line at DEBUG but does not propagate: listen to it directly.
    wire = logging.getLogger("urllib3")
    wire.addHandler(caplog.handler)
    level, wire.level = wire.level, logging.DEBUG
    try:
        with pytest.raises(CommandError) as caught:
            call_command("etl_pull", "meta", stdout=StringIO())
    finally:
        wire.removeHandler(caplog.handler)
        wire.setLevel(level)
    run = JobRun.objects.get(job="etl.pull_meta")
    assert run.status == "failed" and "META_ACCESS_TOKEN was refused" in run.error
    assert SECRET not in run.error and SECRET not in str(caught.value)
    assert SECRET not in str(run.detail)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "GET /v25.0/act_1000000001" in logged  # urllib3's request lines were captured...
    assert SECRET not in logged  # ...and carry no token


@pytest.mark.parametrize("option", ["--since", "--until"])
def test_the_command_names_the_option_and_value_of_an_invalid_date(option):
    with pytest.raises(CommandError) as caught:
        call_command("etl_pull", "meta", option, "2026-13-01")
    assert (
        str(caught.value) == f"{option} '2026-13-01' is not a date like 2026-03-14 (month must be in 1..12)"
    )
    assert not JobRun.objects.exists()


def test_an_invalid_date_on_the_command_line_is_one_line_not_a_traceback():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    done = subprocess.run(
        [sys.executable, "manage.py", "etl_pull", "meta", "--until", "2026-02-30"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1
    assert done.stderr == (
        "CommandError: --until '2026-02-30' is not a date like 2026-03-14 (day is out of range for month)\n"
    )


def test_the_command_refuses_a_since_after_until_before_any_run():
    with pytest.raises(CommandError) as caught:
        call_command("etl_pull", "meta", "--since", "2026-10-31", "--until", "2026-09-01")
    assert str(caught.value) == "--since 2026-10-31 is after --until 2026-09-01"
    assert not JobRun.objects.exists()


def test_the_command_keeps_a_range_note_in_the_run(etl_settings):
    today = timezone.localdate()
    out = StringIO()
    call_command(
        "etl_pull", "shopify", "--since", str(today), "--until", str(today + timedelta(days=3)), stdout=out
    )
    note = f"--until {today + timedelta(days=3)} is in the future: pulling up to now"
    assert note in out.getvalue()
    assert any(note in n for n in JobRun.objects.get(job="etl.pull_shopify").detail["notes"])
