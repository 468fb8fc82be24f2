"""What the health sweep watches in the ETL app."""

from datetime import timedelta

from etl import sources
from etl.metrics import checks  # noqa: F401 - registers the metrics checks
from health.registry import register_job

# Each run of an ETL job, by beat, a command or CI, announces its end (Automations).
FINISHED = "etl.run_finished"

register_job(
    "etl.compute_metrics",
    every=timedelta(days=1),
    description="Daily metrics over the trailing window, nightly after the pulls.",
    finish_event=FINISHED,
)

register_job(
    "etl.nightly_pipeline",
    description="Starts the pulls side by side, then the metrics once all have ended; nightly 01:10.",
    finish_event=FINISHED,
)

for _source in sources.SOURCES:
    register_job(
        _source.job,
        every=_source.every,
        description=_source.description,
        grace=_source.grace,
        finish_event=FINISHED,
    )

from etl import health_checks  # noqa: E402 - registers etl's sources, checks and promises

health_checks.register_sources()
