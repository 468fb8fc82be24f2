from django.conf import settings

from health.models import JobRun
from health.runners import job_task


@job_task(name="health.prune_job_runs")
def prune_job_runs(days: int | None = None) -> dict:
    """Delete run history older than ``days`` (default ``JOB_RUN_RETENTION_DAYS``)."""
    days = days or settings.JOB_RUN_RETENTION_DAYS
    deleted, _ = JobRun.objects.older_than(days).delete()
    return {"deleted": deleted, "rows_written": deleted, "days": days}
