from datetime import timedelta

from health.registry import register_job

register_job(
    "audit.weekly_audit",
    every=timedelta(days=7),
    description="The business audit and the executive memo, Mondays 08:00 (after the health sweep).",
    grace=timedelta(hours=12),
)
