from django.conf import settings
from django.utils import timezone

from health.abandoned import abandon_stuck, mark_abandoned
from health.models import JobRun
from health.runners import job_task


@job_task(name="health.prune_job_runs")
def prune_job_runs(days: int | None = None) -> dict:
    """Delete run history older than ``days`` (default ``JOB_RUN_RETENTION_DAYS``)."""
    days = days or settings.JOB_RUN_RETENTION_DAYS
    deleted, _ = JobRun.objects.older_than(days).delete()
    return {"deleted": deleted, "rows_written": deleted, "days": days}


@job_task(name="health.weekly_sweep")
def weekly_sweep(days: int = 7) -> dict:
    """Monday 07:30 (Toronto): the week's snapshot, the system health report and its tickets."""
    from health.report import write_snapshot
    from health.sweep import run_sweep

    sweep = run_sweep(days=days)
    _, report = write_snapshot(sweep)
    return {"report": report.slug, "score": sweep.score, "errors": len(sweep.errors), "rows_written": 1}


@job_task(name="health.mark_abandoned")
def mark_abandoned_runs() -> dict:
    """Every 10 minutes: mark abandoned the runs still "running" whose job's lock is free,
    and those stuck past their job's max runtime (releasing their lock)."""
    marked = mark_abandoned()
    stuck = sum(len(pks) for pks in abandon_stuck(timezone.now()).values())
    return {"abandoned": marked, "stuck": stuck, "rows_written": marked + stuck}
