"""The one wrapper every job runs in: it records a ``JobRun`` and holds the job lock.

    with track_job("etl.pull_meta", trigger=JobRun.Trigger.COMMAND) as run:
        ...
        run.add(read=120, written=118)

A job that raises is recorded as failed, with its error (secrets masked), and
the exception propagates. When another run holds the job's lock, the run is
recorded as skipped and ``JobSkipped`` is raised before the block starts
(after waiting up to ``wait`` seconds for the lock, if asked). A run whose
process died is marked abandoned by the next run to take the lock (see
``health.abandoned``); if it finishes after all, it stays abandoned.

Celery tasks get this for free through ``job_task`` (a ``shared_task`` whose
base is ``JobTask``), management commands through ``JobCommand``. Plain logic
called from inside a job may report progress with ``current_run()``.
"""

import contextvars
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.db import transaction
from django.utils import timezone

from bizops.events import flips
from bizops.events.outbox import emit
from bizops.redaction import redact
from health import registry
from health.abandoned import abandon_runs_of
from health.locks import job_lock
from health.models import JobRun

logger = logging.getLogger(__name__)

ERROR_MAX_LENGTH = 2000
#: Seconds between two tries for a busy lock when waiting for it.
LOCK_POLL_SECONDS = 1.0

_current: contextvars.ContextVar["RunHandle | None"] = contextvars.ContextVar("current_job_run", default=None)


class JobSkipped(Exception):
    """Another run of the same job holds the lock."""

    def __init__(self, run: JobRun):
        self.run = run
        super().__init__(run.error)


class RunHandle:
    """What a running job sees: counters and notes, saved when the run ends."""

    def __init__(self, run: JobRun):
        self.run = run

    def add(self, *, read: int = 0, written: int = 0) -> None:
        self.run.rows_read += read
        self.run.rows_written += written

    def note(self, **detail) -> None:
        self.run.detail.update(detail)

    def save_progress(self) -> None:
        """Persist counters mid-run, so a long job shows progress in the admin."""
        JobRun.objects.filter(pk=self.run.pk).update(
            rows_read=self.run.rows_read, rows_written=self.run.rows_written, detail=self.run.detail
        )


def current_run() -> RunHandle | None:
    """The run of the job executing in this context, if any."""
    return _current.get()


def format_error(exc: BaseException) -> str:
    message = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return redact(message)[:ERROR_MAX_LENGTH]


def _finish(run: JobRun, status: str, error: str = "") -> None:
    """Record the run's end and, in the same transaction, the job's finish event if it has one."""
    spec = registry.job(run.job)
    with transaction.atomic():
        if not run.finish(status, error):
            logger.warning(
                "job run #%s (%s) ended %s after being marked %s", run.pk, run.job, status, run.status
            )
            return
        if spec is not None and spec.finish_event:
            emit(
                spec.finish_event,
                {
                    "job": run.job,
                    "status": status,
                    "rows_read": run.rows_read,
                    "rows_written": run.rows_written,
                    "run_id": run.pk,
                    "admin_path": f"/admin/health/jobrun/{run.pk}/change/",
                },
            )


def skip_message(job: str) -> str:
    holder = JobRun.objects.running_locked().for_job(job).order_by("-started_at").first()
    if holder is None:
        return f"skipped: {job} is already running (its run is starting)"
    since = timezone.localtime(holder.started_at)
    return f"skipped: {job} is already running (run #{holder.pk} since {since:%Y-%m-%d %H:%M:%S %Z})"


def _alert(flip, job: str, **details) -> None:
    """job.failed / job.recovered on a flip (bizops.events.flips); never the job's own failure."""
    try:
        flip(job, **details)
    except Exception:
        logger.warning("could not record the alert of job %s", job, exc_info=True)


@contextmanager
def track_job(
    job: str,
    *,
    trigger: str,
    task_id: str = "",
    lock: bool = True,
    lock_ttl: int | None = None,
    wait: float = 0,
    on_wait: Callable[[str], None] | None = None,
) -> Iterator[RunHandle]:
    if not lock:
        with _recorded(job, trigger, task_id, locked=False) as handle:
            yield handle
        return
    started_waiting = time.monotonic()
    deadline = started_waiting + wait
    while True:
        with job_lock(job, lock_ttl) as acquired:
            if acquired:
                abandon_runs_of(job, before=timezone.now())
                with _recorded(job, trigger, task_id) as handle:
                    waited = time.monotonic() - started_waiting
                    if waited >= LOCK_POLL_SECONDS:
                        # Another run held the lock: this one started late (multi-job coordination).
                        handle.note(waited_for_lock_seconds=round(waited, 1))
                    yield handle
                return
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        if on_wait:
            on_wait(f"waiting up to {remaining:.0f} s: {skip_message(job).removeprefix('skipped: ')}")
            on_wait = None  # once
        time.sleep(min(LOCK_POLL_SECONDS, remaining))
    now = timezone.now()
    run = JobRun.objects.create(
        job=job,
        trigger=trigger,
        task_id=task_id,
        status=JobRun.Status.SKIPPED,
        started_at=now,
        finished_at=now,
        duration=now - now,
        error=skip_message(job),
    )
    raise JobSkipped(run)


@contextmanager
def _recorded(job: str, trigger: str, task_id: str, *, locked: bool = True) -> Iterator[RunHandle]:
    handle = RunHandle(JobRun.objects.create(job=job, trigger=trigger, task_id=task_id, locked=locked))
    token = _current.set(handle)
    try:
        yield handle
    except BaseException as exc:
        # BaseException too: a worker shutting down or a Ctrl-C still leaves
        # an honest record instead of a run stuck at "running".
        _finish(handle.run, JobRun.Status.FAILED, format_error(exc))
        _alert(flips.job_failed, job, run_id=handle.run.pk, error=handle.run.error)
        raise
    else:
        _finish(handle.run, JobRun.Status.SUCCEEDED)
        _alert(flips.job_succeeded, job, run_id=handle.run.pk)
    finally:
        _current.reset(token)
