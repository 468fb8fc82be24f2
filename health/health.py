from datetime import timedelta

from health.registry import register_job

register_job(
    "health.prune_job_runs",
    description="Deletes job run history past JOB_RUN_RETENTION_DAYS, daily 03:40.",
)
register_job(
    "health.weekly_sweep",
    description="This sweep, Mondays 07:30.",
    grace=timedelta(hours=12),
)
register_job(
    "health.mark_abandoned",
    description="Marks runs whose process died abandoned, every 10 minutes.",
    grace=timedelta(minutes=30),
)
