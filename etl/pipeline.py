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

Spread over workers: the chord's header holds one task per source **and per
account** (each Meta ad account, each TikTok advertiser, the shop), and a
long explicit range of an ad source (a backfill) is cut into chunks of
``Source.chunk_days``, one task each. Each task holds its own lock
(``etl.pull_<source>:<account>``, plus ``:<since>:<until>`` for a chunk), so N
workers on N machines share one night, and a pull of the whole source started
by hand (which takes each account's lock in turn) never overlaps them. A
chunk leaves the sync cursor alone; once every chunk of an account has
succeeded, the metrics step moves the cursor as one pull of the whole range
would have.
"""

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime

from django.conf import settings

from etl import sources
from etl.metrics.compute import ComputeResult, recompute
from health.jobs import JobSkipped, format_error, track_job
from health.locks import job_lock
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
    account: str = ""  # the one account pulled ("": all of the source's)
    since: str = ""  # a chunk's range (ISO days; "": not a chunk)
    until: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "succeeded"

    @property
    def chunk(self) -> bool:
        return bool(self.since)


def by_source(outcomes: list[SourceOutcome]) -> dict[str, str]:
    """{source: status}: "succeeded" when every task of the source did, else the first other status."""
    statuses: dict[str, str] = {}
    for o in outcomes:
        if statuses.get(o.source, "succeeded") == "succeeded":
            statuses[o.source] = o.status
    return statuses


def stale_sources(outcomes: list[SourceOutcome]) -> dict[str, str]:
    """{source: error} of the sources with a task that did not succeed (errors of several joined)."""
    errors: dict[str, list[str]] = {}
    for o in outcomes:
        if not o.ok:
            errors.setdefault(o.source, []).append(f"{o.account}: {o.error}" if o.account else o.error)
    return {source: "; ".join(found) for source, found in errors.items()}


@dataclass(frozen=True)
class PullTask:
    """One task of the chord's header: a source, one of its accounts, maybe a chunk of days."""

    source: str
    account: str | None = None
    since: date | None = None
    until: date | None = None
    chunk: bool = False


def plan(since: date | None = None, until: date | None = None) -> list[PullTask]:
    """The pulls of a night: one per source and account, a long range cut in chunks.

    A source whose settings cannot be read gets one task for the whole source,
    which fails and is recorded like any failed pull.
    """
    from etl.errors import EtlError

    tasks = []
    for spec in sources.SOURCES:
        try:
            accounts = spec.account_ids()
        except EtlError:
            accounts = []
        if not accounts:
            tasks.append(PullTask(spec.name, None, since, until))
            continue
        long = spec.chunk_days and since and until and (until - since).days + 1 > spec.chunk_days
        if len(accounts) == 1 and not long:  # one task, under the whole source's lock
            tasks.append(PullTask(spec.name, None, since, until))
            continue
        for account in accounts:
            if not long:
                tasks.append(PullTask(spec.name, account, since, until))
                continue
            from etl.pull import day_chunks

            tasks += [
                PullTask(spec.name, account, a, b, True) for a, b in day_chunks(since, until, spec.chunk_days)
            ]
    return tasks


def lock_name(spec: sources.Source, account: str, since: date | None, until: date | None, chunk: bool) -> str:
    name = f"{spec.job}:{account}"
    return f"{name}:{since.isoformat()}:{until.isoformat()}" if chunk else name


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
    account: str | None = None,
    chunk: bool = False,
) -> SourceOutcome:
    """Pull one source (or one of its accounts, or a chunk of one) under its job's record and a lock.

    A failure is returned, not raised. The run is recorded under the source's
    job either way; the lock is the job's for the whole source, the account's
    (or the chunk's) for one account.
    """
    spec = sources.get(source)
    if spec is None:
        raise ValueError(f"unknown source {source!r}; expected one of {', '.join(sources.NAMES)}")
    done = SourceOutcome(source, "succeeded", account=account or "")
    if chunk:
        done.since, done.until = since.isoformat(), until.isoformat()
    deadline = time.monotonic() + settings.PIPELINE_PULL_WAIT_SECONDS
    while True:
        try:
            if account is None:
                return _pull(spec, done, since, until, trigger, task_id, progress, lock=True)
            with job_lock(lock_name(spec, account, since, until, chunk)) as acquired:
                if acquired:
                    return _pull(spec, done, since, until, trigger, task_id, progress, lock=False)
            busy = f"{spec.job} for {account} is running in another task"
        except JobSkipped as skipped:
            busy = skipped.run.error
        if time.monotonic() >= deadline:
            done.status, done.error = "busy", f"another pull still running: {busy}"
            return done
        time.sleep(LOCK_POLL_SECONDS)


def _pull(spec, done, since, until, trigger, task_id, progress, *, lock: bool) -> SourceOutcome:
    """One try; raises ``JobSkipped`` when ``lock`` and the job's lock is held."""
    try:
        with track_job(spec.job, trigger=trigger, task_id=task_id, lock=lock) as run:
            # Imported here: the connectors are a heavier module than the
            # metrics, and a broken one must fail this source only.
            from etl.pull import pull_source

            accounts = [done.account] if done.account else None
            result = pull_source(
                spec.name,
                since=since,
                until=until,
                progress=progress,
                accounts=accounts,
                move_cursor=not done.chunk,
            )
            run.add(read=result.rows_read, written=result.rows_written)
            run.note(pages=result.pages, throttle_waits=result.throttle_waits, account=done.account or None)
        done.rows_read, done.rows_written = result.rows_read, result.rows_written
        return done
    except JobSkipped:
        raise
    except Exception as exc:
        # Recorded as failed by track_job; the night goes on to the metrics.
        done.status, done.error = "failed", format_error(exc)
        return done


def move_chunked_cursors(outcomes: list[SourceOutcome]) -> list[tuple[str, str, str]]:
    """Move the cursor of each account whose chunks all succeeded, as one pull of their range would.

    Returns (source, account, cursor) of the cursors moved.
    """
    chunks: dict[tuple[str, str], list[SourceOutcome]] = {}
    for o in outcomes:
        if o.chunk:
            chunks.setdefault((o.source, o.account), []).append(o)
    moved = []
    for (source, account), found in chunks.items():
        if not all(o.ok for o in found):
            continue
        from etl.load import save_cursor
        from etl.pull import ads_cursor, cursor_moves

        start = min(date.fromisoformat(o.since) for o in found)
        end = max(date.fromisoformat(o.until) for o in found)
        if cursor_moves(ads_cursor(source, account), start, end):
            from django.db import transaction

            with transaction.atomic():
                save_cursor(source, account, end.isoformat())
            moved.append((source, account, end.isoformat()))
    return moved


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
    result = PipelineResult(outcomes, stale=stale_sources(outcomes))
    try:
        with track_job(METRICS_JOB, trigger=trigger, task_id=task_id) as run:
            run.note(sources=by_source(outcomes), stale_sources=result.stale)
            moved = move_chunked_cursors(outcomes)
            if moved:
                run.note(cursors_moved=[":".join(m) for m in moved])
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
