"""What the health sweep watches in the flags app: its two scheduled jobs."""

from datetime import timedelta

from health.registry import register_job

register_job(
    "flags.apply_scheduled_changes",
    description="Records due scheduled flag changes, every minute.",
    # Beat drops a run not started within 50 s (its expiry): a few missed minutes are not news.
    grace=timedelta(minutes=10),
)
register_job(
    "flags.recompute_results",
    description="Conversions from orders, then running experiments' results, hourly at :20.",
    grace=timedelta(hours=1),
)

from flags import health_checks  # noqa: E402,F401 - registers flags' checks, problem counts and promises
