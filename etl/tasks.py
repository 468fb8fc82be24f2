"""Celery tasks of the ETL app: thin wrappers that take ISO dates."""

from etl.metrics.compute import recompute
from etl.metrics.days import parse_day
from health.runners import job_task


@job_task(name="etl.compute_metrics")
def compute_metrics(since: str | None = None, until: str | None = None) -> dict:
    """Recompute daily metrics for since..until (ISO dates); default: the trailing window."""
    result = recompute(
        parse_day(since, "since") if since else None, parse_day(until, "until") if until else None
    )
    return {
        "since": result.since.isoformat(),
        "until": result.until.isoformat(),
        "rows_read": result.rows_read,
        "rows_written": result.rows_written,
        "notes": result.notes,
    }
