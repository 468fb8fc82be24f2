"""Celery tasks of the ETL app: thin wrappers that take ISO dates.

Each pull runs under the job lock (``JobTask``), so two pulls of one source
never overlap; the HTTP layer already retries what is transient, so a task
that raises has failed for a reason a person must look at.
"""

from celery import chord, shared_task

from etl import pipeline, sources
from etl.metrics.compute import recompute
from etl.metrics.days import parse_day
from etl.pull import pull_source
from health.runners import job_task, trigger_for


def _day(value: str | None, name: str):
    return parse_day(value, name) if value else None


def _pull(source: str, since: str | None, until: str | None) -> dict:
    return pull_source(source, since=_day(since, "since"), until=_day(until, "until")).as_dict()


def _pull_task(source: sources.Source):
    def pull(since: str | None = None, until: str | None = None) -> dict:
        return _pull(source.name, since, until)

    pull.__name__ = pull.__qualname__ = f"pull_{source.name}"
    pull.__doc__ = f"Pull {source.label} for since..until (ISO dates); default: from the saved cursor."
    return job_task(name=source.job)(pull)


# One task per source, named like its job (etl.pull_meta ...), importable as
# etl.tasks.pull_<source>.
PULL_TASKS = {source.name: _pull_task(source) for source in sources.SOURCES}
globals().update({f"pull_{name}": task for name, task in PULL_TASKS.items()})


@job_task(name="etl.compute_metrics")
def compute_metrics(since: str | None = None, until: str | None = None) -> dict:
    """Recompute daily metrics for since..until (ISO dates); default: the trailing window."""
    result = recompute(_day(since, "since"), _day(until, "until"))
    return {
        "since": result.since.isoformat(),
        "until": result.until.isoformat(),
        "rows_read": result.rows_read,
        "rows_written": result.rows_written,
        "notes": result.notes,
    }


@job_task(name="etl.nightly_pipeline", bind=True)
def nightly_pipeline(
    self,
    since: str | None = None,
    until: str | None = None,
    etl_queue: str | None = None,
    metrics_queue: str | None = None,
) -> dict:
    """Start the chord: a pull per source and account (and per chunk of a long range) side by
    side, then the metrics once all have ended.

    The pulls go to the ``etl`` queue and the metrics to ``metrics`` (``CELERY_TASK_ROUTES``),
    so any number of workers on any number of machines share them; ``etl_queue`` and
    ``metrics_queue`` send them elsewhere (a test's own queues).
    """
    trigger = trigger_for(self.request)
    header = []
    for task in pipeline.plan(_day(since, "since"), _day(until, "until")):
        signature = pipeline_pull.si(
            task.source,
            task.since.isoformat() if task.since else None,
            task.until.isoformat() if task.until else None,
            trigger,
            account=task.account,
            chunk=task.chunk,
        )
        header.append(signature.set(queue=etl_queue) if etl_queue else signature)
    body = pipeline_metrics.s(since, until, trigger)
    result = chord(header)(body.set(queue=metrics_queue) if metrics_queue else body)
    return {"chord": result.id, "sources": list(sources.NAMES), "tasks": len(header)}


# The two chord steps record their runs under the source's job
# (etl.pull_<source>) and under etl.compute_metrics, holding those jobs'
# locks (or the account's): a plain shared_task, so no second, generic run is
# recorded. Both are idempotent (upserts, a recomputed range), so acks_late:
# a worker lost mid-task has the task run again elsewhere.
@shared_task(name="etl.pipeline_pull", bind=True, acks_late=True)
def pipeline_pull(
    self,
    source: str,
    since: str | None,
    until: str | None,
    trigger: str,
    account: str | None = None,
    chunk: bool = False,
) -> dict:
    outcome = pipeline.pull(
        source,
        since=_day(since, "since"),
        until=_day(until, "until"),
        trigger=trigger,
        task_id=self.request.id or "",
        account=account,
        chunk=chunk,
    )
    return pipeline.outcome_dict(outcome)


@shared_task(name="etl.pipeline_metrics", bind=True, acks_late=True)
def pipeline_metrics(self, outcomes: list[dict], since: str | None, until: str | None, trigger: str) -> dict:
    result = pipeline.finish(
        [pipeline.outcome_from(o) for o in outcomes],
        since=_day(since, "since"),
        until=_day(until, "until"),
        trigger=trigger,
        task_id=self.request.id or "",
    )
    if result.metrics_error:
        raise RuntimeError(f"metrics after the pulls failed: {result.metrics_error}")
    return {
        "sources": pipeline.by_source(result.sources),
        "stale": result.stale,
        "since": result.metrics.since.isoformat(),
        "until": result.metrics.until.isoformat(),
        "rows_written": result.metrics.rows_written,
    }
