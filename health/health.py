from datetime import timedelta

from health.registry import register_job

register_job(
    "health.prune_job_runs",
    every=timedelta(days=1),
    description="Deletes job run history past JOB_RUN_RETENTION_DAYS, daily 03:40.",
)
register_job(
    "health.weekly_sweep",
    every=timedelta(days=7),
    description="This sweep, Mondays 07:30.",
    grace=timedelta(hours=12),
)
register_job(
    "health.mark_abandoned",
    every=timedelta(minutes=10),
    description="Marks runs whose process died abandoned, every 10 minutes.",
    grace=timedelta(minutes=30),
)
