"""The nightly pipeline: pull each source, then recompute the metrics on what is there.

Scheduling: one beat entry (01:10 America/Toronto, ``etl.nightly_pipeline``)
starts a Celery chord: the three pulls run side by side, and the metrics
task runs once all three have ended, whatever each took. Fixed times per
step (01:10, 01:15, 01:20, then metrics at 01:30) would compute on a pull
still running whenever a backfill or a rate limit makes it slow; the chord
never does.

A pull that fails does not stop the night: its run is recorded as failed,
the metrics still run on the data that is there, and the metrics run notes
the source as stale. Each pull runs under its source's job name and lock
(``etl.pull_<source>``, shared with the pull tasks and command), so a pull
started by hand and the pipeline's never overlap: the pipeline waits for the
other run to end (up to ``PIPELINE_PULL_WAIT_SECONDS``), then pulls.
``manage.py run_pipeline`` does the same steps in one process.
"""

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime

from django.conf import settings

from etl import sources
from etl.metrics.compute import ComputeResult, recompute
from health.jobs import JobSkipped, format_error, track_job
from health.models import JobOutcome, JobRun

METRICS_JOB = "etl.compute_metrics"
# Seconds between two tries of a pull whose lock another run holds.
LOCK_POLL_SECONDS = 10


@dataclass
class SourceOutcome:
    source: str
    status: str  # "succeeded", "failed" or "busy" (another run held the lock too long)
    rows_read: int = 0
    rows_written: int = 0
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "succeeded"


@dataclass
class PipelineResult:
    sources: list[SourceOutcome]
    metrics: ComputeResult | None = None
    metrics_error: str = ""
    stale: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.stale and self.metrics is not None


def pull(
    source: str,
    *,
    since: date | None = None,
    until: date | None = None,
    trigger: str,
    task_id: str = "",
    progress: Callable | None = None,
) -> SourceOutcome:
    """Pull one source under its job's record and lock; a failure is returned, not raised."""
    spec = sources.get(source)
    if spec is None:
        raise ValueError(f"unknown source {source!r}; expected one of {', '.join(sources.NAMES)}")
    deadline = time.monotonic() + settings.PIPELINE_PULL_WAIT_SECONDS
    while True:
        try:
            with track_job(spec.job, trigger=trigger, task_id=task_id) as run:
                # Imported here: the connectors are a heavier module than the
                # metrics, and a broken one must fail this source only.
                from etl.pull import pull_source

                result = pull_source(source, since=since, until=until, progress=progress)
                run.add(read=result.rows_read, written=result.rows_written)
                run.note(pages=result.pages, throttle_waits=result.throttle_waits)
            return SourceOutcome(source, "succeeded", result.rows_read, result.rows_written)
        except JobSkipped as skipped:
            if time.monotonic() >= deadline:
                return SourceOutcome(source, "busy", error=f"another pull still running: {skipped.run.error}")
            time.sleep(LOCK_POLL_SECONDS)
        except Exception as exc:
            # Recorded as failed by track_job; the night goes on to the metrics.
            return SourceOutcome(source, "failed", error=format_error(exc))


def finish(
    outcomes: list[SourceOutcome],
    *,
    since: date | None = None,
    until: date | None = None,
    trigger: str,
    task_id: str = "",
    progress: Callable[[str], None] | None = None,
) -> PipelineResult:
    """Recompute the metrics after the pulls, noting on the run which sources are stale."""
    result = PipelineResult(outcomes, stale={o.source: o.error for o in outcomes if not o.ok})
    try:
        with track_job(METRICS_JOB, trigger=trigger, task_id=task_id) as run:
            run.note(sources={o.source: o.status for o in outcomes}, stale_sources=result.stale)
            result.metrics = recompute(since, until, progress=progress)
    except JobSkipped as skipped:
        result.metrics_error = skipped.run.error
    except Exception as exc:
        # e.g. a missing FX rate: recorded on the metrics run, reported by the caller.
        result.metrics_error = format_error(exc)
    return result


def run(
    *,
    since: date | None = None,
    until: date | None = None,
    trigger: str = JobRun.Trigger.COMMAND,
    progress: Callable[[str], None] | None = None,
    before_metrics: Callable[[], None] | None = None,
) -> PipelineResult:
    """The whole pipeline in this process, one source after another (the command's way).

    ``before_metrics`` runs between the pulls and the metrics (the demo fills
    its made-up FX rates there, once the pulls have told which currencies).
    """
    say = progress or (lambda message: None)
    outcomes = []
    for source in sources.SOURCES:
        label = source.label
        say(f"pulling {label}")
        outcome = pull(
            source.name, since=since, until=until, trigger=trigger, progress=_pull_progress(say, label)
        )
        say(f"{label}: {outcome.status}, {outcome.rows_written} rows written{_error(outcome.error)}")
        outcomes.append(outcome)
    if before_metrics:
        before_metrics()
    say("computing metrics")
    return finish(outcomes, since=since, until=until, trigger=trigger, progress=say)


def _error(error: str) -> str:
    return f" ({error})" if error else ""


def _pull_progress(say: Callable[[str], None], label: str) -> Callable[[str], None]:
    return lambda message: say(f"  {label}: {message}")


def outcome_dict(outcome: SourceOutcome) -> dict:
    return asdict(outcome)


def outcome_from(data: dict) -> SourceOutcome:
    return SourceOutcome(**data)


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
    jobs = {source.job: (source.name, source.label) for source in sources.SOURCES}
    jobs[METRICS_JOB] = ("metrics", "Metrics")
    found = JobRun.objects.last_outcomes(jobs)
    none = JobOutcome(None, None)
    return [Freshness(key, label, *found.get(job, none)) for job, (key, label) in jobs.items()]
