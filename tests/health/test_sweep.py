from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from bizops.core.models import Report
from health import registry
from health.locks import job_lock
from health.sweep import run_sweep, write_report
from tests.factories import JobRunFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def only_these_jobs(monkeypatch):
    """Replace the registry's jobs with the given specs for one test."""

    def use(*specs):
        monkeypatch.setattr(registry, "_jobs", {s.name: s for s in specs})
        monkeypatch.setattr(registry, "_checks", {})

    return use


def run(job, status, hours_ago, seconds=10, error=""):
    started = timezone.now() - timedelta(hours=hours_ago)
    return JobRunFactory(
        job=job,
        status=status,
        started_at=started,
        finished_at=started + timedelta(seconds=seconds),
        duration=timedelta(seconds=seconds),
        error=error,
    )


def test_it_scores_on_time_share_times_success_rate(only_these_jobs):
    only_these_jobs(
        registry.JobSpec("a.daily", timedelta(days=1)), registry.JobSpec("b.daily", timedelta(days=1))
    )
    run("a.daily", "succeeded", 5)
    run("a.daily", "failed", 29, error="ValueError: x")
    run("b.daily", "succeeded", 80)  # last success 80 h ago: overdue
    run("b.daily", "skipped", 3)
    sweep = run_sweep(days=7)
    # on time: a only (1/2); success: 2 succeeded / 3 finished (skipped not counted)
    assert sweep.on_time_share == 0.5
    assert sweep.success_rate == pytest.approx(2 / 3)
    assert sweep.score == round(100 * 0.5 * 2 / 3)


def test_it_names_overdue_failed_and_stuck_jobs_with_a_fix(only_these_jobs, settings):
    only_these_jobs(registry.JobSpec("a.daily", timedelta(days=1)))
    run("a.daily", "failed", 2, error="HTTPError: 500 from graph.facebook.com")
    JobRunFactory(
        job="a.daily",
        status="running",
        started_at=timezone.now() - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60),
    )
    # Its process is alive (it holds the job's lock) but has run too long: hung.
    with job_lock("a.daily"):
        findings = run_sweep().findings
    messages = {(f.severity, f.message.split(";")[0].split(":")[0]) for f in findings}
    assert ("error", "overdue") in messages
    assert ("warning", "1 failed run(s)") in messages
    assert any(f.severity == "error" and "has been 'running'" in f.message for f in findings)


def test_the_sweep_marks_a_run_whose_lock_is_free_abandoned_and_counts_it_failed(only_these_jobs):
    only_these_jobs(registry.JobSpec("a.daily", timedelta(days=1)))
    run("a.daily", "succeeded", 5)
    dead = JobRunFactory(job="a.daily", status="running", started_at=timezone.now() - timedelta(hours=1))
    sweep = run_sweep()
    dead.refresh_from_db()
    assert dead.status == "abandoned" and dead.error.startswith("abandoned: its process stopped")
    assert dead.finished_at is not None
    assert (sweep.jobs[0].succeeded, sweep.jobs[0].failed) == (1, 1)
    assert not any("has been 'running'" in f.message for f in sweep.findings)


def test_registered_checks_run_in_the_sweep(only_these_jobs, monkeypatch):
    only_these_jobs()
    monkeypatch.setitem(
        registry._checks,
        "etl:fx",
        lambda: [registry.Finding("etl:fx", registry.Severity.ERROR, "no EUR rate for 2026-11-25", "add it")],
    )
    sweep = run_sweep()
    assert [f.message for f in sweep.errors] == ["no EUR rate for 2026-11-25"]
    assert sweep.score is None


def test_the_report_is_written_once_per_day(only_these_jobs):
    only_these_jobs(registry.JobSpec("a.daily", timedelta(days=1)))
    run("a.daily", "succeeded", 1, seconds=42)
    first = write_report(run_sweep())
    second = write_report(run_sweep())
    assert first.pk == second.pk
    assert Report.objects.filter(kind="health").count() == 1
    assert "| a.daily | 1 day |" in second.body
    assert "42.0 s" in second.body
    assert second.figures["score"] == 100


def test_the_command_exports_the_report_and_fails_in_strict_mode(only_these_jobs, tmp_path, capsys):
    only_these_jobs(registry.JobSpec("a.daily", timedelta(days=1)))
    call_command("health_sweep", "--output", str(tmp_path))
    assert "health score" in capsys.readouterr().out
    assert len(list((tmp_path / "health").glob("health-*.md"))) == 1
    with pytest.raises(CommandError, match=r"1 health error\(s\)"):
        call_command("health_sweep", "--strict")


def test_every_app_registers_its_jobs_at_start_up():
    assert {"health.prune_job_runs", "health.weekly_sweep"} <= {s.name for s in registry.jobs()}


@pytest.mark.parametrize(
    ("days", "message"),
    [
        ("0", "--days must be at least 1"),
        ("-3", "--days must be at least 1"),
        ("99999999", "--days must be at most 3660"),
    ],
)
def test_the_command_refuses_a_window_out_of_bounds_without_recording_a_run(days, message):
    from health.models import JobRun

    with pytest.raises(CommandError) as caught:
        call_command("health_sweep", "--days", days)
    assert str(caught.value) == message
    assert not JobRun.objects.filter(job="health.weekly_sweep").exists()
