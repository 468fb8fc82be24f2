from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from bizops.core.models import Report
from health import registry
from health.locks import job_lock
from health.models import HealthSnapshot
from health.report import write_snapshot
from health.sweep import run_sweep
from tests.factories import JobRunFactory

pytestmark = pytest.mark.django_db


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


def test_it_names_overdue_failed_and_stuck_jobs_with_a_fix(only_these_jobs, settings):
    only_these_jobs(registry.JobSpec("a.daily", timedelta(days=1)))
    run("a.daily", "failed", 2, error="HTTPError: 500 from graph.facebook.com")
    stuck = JobRunFactory(
        job="a.daily",
        status="running",
        started_at=timezone.now() - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60),
    )
    # Its process holds the job's lock but has run past any task's limit: stuck.
    with job_lock("a.daily"):
        sweep = run_sweep()
    stuck.refresh_from_db()
    assert stuck.status == "abandoned"
    (job,) = sweep.jobs
    assert job.state == "down"
    assert job.reason == f"run {stuck.pk} was stuck past its max runtime (now marked abandoned)"
    finding = next(f for f in sweep.findings if f.check == "job:a.daily" and f.severity == "error")
    assert finding.message.startswith("down: run")
    assert finding.fix and finding.owner == "group:Ops"
    assert finding.evidence == (("a.daily", "/admin/health/monitor/job/a.daily/"),)


def test_the_sweep_marks_a_run_whose_lock_is_free_abandoned_and_counts_it_failed(only_these_jobs):
    only_these_jobs(registry.JobSpec("a.daily", timedelta(days=1)))
    run("a.daily", "succeeded", 5)
    dead = JobRunFactory(job="a.daily", status="running", started_at=timezone.now() - timedelta(hours=1))
    sweep = run_sweep()
    dead.refresh_from_db()
    assert dead.status == "abandoned" and dead.error.startswith("abandoned: its process stopped")
    assert dead.finished_at is not None
    assert (sweep.jobs[0].succeeded, sweep.jobs[0].failed) == (1, 1)
    assert sweep.jobs[0].state == "late"  # one failure of the three allowed


def test_registered_checks_run_in_the_sweep_in_their_family(only_these_jobs):
    only_these_jobs()
    registry.register_check("etl:fx", registry.Family.CONSTRAINTS)(
        lambda: [registry.Finding("etl:fx", registry.Severity.ERROR, "no EUR rate for 2026-11-25", "add it")]
    )
    sweep = run_sweep()
    assert [f.message for f in sweep.errors] == ["no EUR rate for 2026-11-25"]
    assert sweep.errors[0].family == "constraints"
    assert sweep.score is None
    assert sweep.resilience.shown == "not enough data"


def test_the_report_is_written_once_per_day_and_each_sweep_keeps_a_snapshot(only_these_jobs):
    only_these_jobs(registry.JobSpec("a.daily", timedelta(days=1)))
    run("a.daily", "succeeded", 1, seconds=42)
    _, first = write_snapshot(run_sweep())
    _, second = write_snapshot(run_sweep())
    assert first.pk == second.pk
    assert Report.objects.filter(kind="system").count() == 1
    assert second.slug == f"system_health_{timezone.localdate():%Y-%m-%d}"
    assert "| a.daily | registry (no beat entry) | up |" in second.body
    assert "42.0 s" in second.body
    assert HealthSnapshot.objects.count() == 2
    assert second.figures["scores"]["resilience"]["value"] == 100.0


def test_the_command_exports_the_report_and_fails_in_strict_mode(only_these_jobs, tmp_path, capsys):
    only_these_jobs(registry.JobSpec("a.daily", timedelta(days=1)))
    call_command("health_sweep", "--output", str(tmp_path))
    out = capsys.readouterr().out
    assert "resilience not enough data, entropy delta not enough data, coherence not enough data" in out
    assert len(list((tmp_path / "system").glob("system_health_*.md"))) == 1
    for hours_ago in (3, 2, 1):
        run("a.daily", "failed", hours_ago, error="ValueError: x")  # three in a row: down
    with pytest.raises(CommandError, match=r"1 health error\(s\)"):
        call_command("health_sweep", "--strict")


def test_every_app_registers_its_jobs_at_start_up():
    assert {"health.prune_job_runs", "health.weekly_sweep"} <= {s.name for s in registry.jobs()}


def test_every_app_registers_its_data_sources_at_start_up():
    assert {s.name for s in registry.sources()} == {"meta", "tiktok", "shopify", "daily_metrics", "fx_rates"}


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


def test_the_report_prints_each_formula_and_the_weights_beside_the_score(only_these_jobs, settings):
    settings.HEALTH_RESILIENCE_WEIGHTS = {
        "success": 50,
        "on_time": 10,
        "freshness": 10,
        "recovery": 20,
        "missed": 10,
    }
    only_these_jobs(registry.JobSpec("a.daily", timedelta(days=1)))
    run("a.daily", "succeeded", 1)
    _, report = write_snapshot(run_sweep())
    assert (
        "Weights (HEALTH_RESILIENCE_WEIGHTS): success 50, on_time 10, freshness 10, recovery 20, missed 10"
        in (report.body)
    )
    assert "index = 100 x sum(w x component) / sum(w) over components with data" in report.body
    assert "entropy delta = open problems this week - open problems last week" in report.body
    assert "coherence = 100 x promises kept / promises checked" in report.body
    assert report.figures["scores"]["resilience"]["weights"]["success"] == 50
