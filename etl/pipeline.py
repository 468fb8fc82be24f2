"""The nightly pipeline: pull each source, then recompute the metrics.

(Scheduling and the pull steps are added with the connectors; this module
also answers "how fresh is each source" for the dashboards.)
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Max, Q

from health.models import JobRun

SOURCES = {"meta": "Meta", "tiktok": "TikTok", "shopify": "Shopify"}
METRICS_JOB = "etl.compute_metrics"


def pull_job(source: str) -> str:
    """The job name (and lock) of one source's pull, shared by its task, command and the pipeline."""
    return f"etl.pull_{source}"


@dataclass(frozen=True)
class Freshness:
    key: str
    label: str
    last_success: datetime | None
    last_failure: datetime | None

    @property
    def failing(self) -> bool:
        """The latest outcome was a failure: the data is as of ``last_success``."""
        return bool(self.last_failure and (not self.last_success or self.last_failure > self.last_success))


def freshness() -> list[Freshness]:
    """Last successful and failed run of each source's pull and of the metrics, in one query."""
    jobs = {pull_job(source): (source, label) for source, label in SOURCES.items()}
    jobs[METRICS_JOB] = ("metrics", "Metrics")
    found = {
        row["job"]: row
        for row in JobRun.objects.filter(job__in=jobs)
        .values("job")
        .annotate(
            ok=Max("finished_at", filter=Q(status=JobRun.Status.SUCCEEDED)),
            failed=Max("finished_at", filter=Q(status=JobRun.Status.FAILED)),
        )
        .order_by()
    }
    return [
        Freshness(key, label, found.get(job, {}).get("ok"), found.get(job, {}).get("failed"))
        for job, (key, label) in jobs.items()
    ]
