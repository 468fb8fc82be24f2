from datetime import timedelta

from health.registry import register_job

register_job(
    "automations.sweep",
    every=timedelta(minutes=1),
    description="Dispatches undispatched events and queues due webhook deliveries, every minute.",
    grace=timedelta(minutes=10),
)
