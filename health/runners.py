"""Celery tasks and management commands that record their runs with no extra code.

@job_task(name="health.prune_job_runs")
def prune_job_runs(days=None): ...

class Command(JobCommand):
    job_name = "backlog.export"
    def run_job(self, run, **options): ...
"""

from argparse import ArgumentTypeError

from celery import Task, shared_task
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from health.jobs import JobSkipped, format_error, track_job
from health.models import JobRun

#: Exit status of a command refused by the job lock: nothing ran.
SKIPPED_EXIT_STATUS = 3
#: Seconds ``--wait`` without a value waits for the lock.
DEFAULT_WAIT_SECONDS = 3600
#: Seconds past ``JOB_LOCK_TTL`` a redelivered task waits for a dead run's lock to lapse.
REDELIVERY_MARGIN_SECONDS = 5


def seconds(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        number = -1
    if not 0 <= number < float("inf"):
        raise ArgumentTypeError(f"{value!r} is not a number of seconds")
    return number


def add_wait_argument(parser) -> None:
    parser.add_argument(
        "--wait",
        nargs="?",
        type=seconds,
        const=DEFAULT_WAIT_SECONDS,
        default=0,
        metavar="SECONDS",
        help=f"If the job is running, wait up to SECONDS (default {DEFAULT_WAIT_SECONDS}) for the lock.",
    )


def skipped_error(message: str) -> CommandError:
    return CommandError(message, returncode=SKIPPED_EXIT_STATUS)


def trigger_for(request) -> str:
    """Beat marks the tasks it sends with the periodic task's name (django-celery-beat)."""
    headers = getattr(request, "headers", None) or {}
    from_beat = getattr(request, "periodic_task_name", None) or headers.get("periodic_task_name")
    return JobRun.Trigger.BEAT if from_beat else JobRun.Trigger.MANUAL


def resumes_lost_run(request) -> bool:
    """Whether this delivery carries on a run whose worker was lost, rather than a new one.

    With ``acks_late`` and ``reject_on_worker_lost``, a task whose worker
    process died is put back on the queue at once, flagged ``redelivered`` by
    kombu; its retries (below) keep going for the same reason.
    """
    redelivered = (getattr(request, "delivery_info", None) or {}).get("redelivered", False)
    return bool(redelivered) or (getattr(request, "retries", 0) or 0) > 0


class JobTask(Task):
    """A task whose every run is recorded and locked under the task's name.

    A task redelivered after its worker was lost usually finds the job still
    locked by its own dead run (the lock outlives it by up to ``JOB_LOCK_TTL``
    seconds). Skipping would leave the data half written, so it is retried
    once the lock has lapsed, up to ``redelivery_retries`` times; the retry
    takes the lock and marks the dead run abandoned. A task sent afresh that
    finds the lock held (two schedules overlapping) is skipped as before.
    """

    #: Set False for tasks that may safely run concurrently.
    job_lock = True
    #: How often a redelivered task refused by the lock is retried before it stays skipped.
    redelivery_retries = 3

    def __call__(self, *args, **kwargs):
        request = self.request
        trigger = trigger_for(request)
        try:
            with track_job(self.name, trigger=trigger, task_id=request.id or "", lock=self.job_lock) as run:
                result = super().__call__(*args, **kwargs)
                if isinstance(result, dict):
                    run.add(read=result.get("rows_read", 0), written=result.get("rows_written", 0))
                return result
        except JobSkipped as skipped:
            if resumes_lost_run(request):
                self._retry_after_lost_worker(skipped.run)
            # Nothing ran: the result says so, with who holds the job (the run's error).
            return {"status": JobRun.Status.SKIPPED, "job_run": skipped.run.pk, "error": skipped.run.error}

    def _retry_after_lost_worker(self, run: JobRun) -> None:
        """Retry (raises ``Retry``) once the dead run's lock has lapsed, or note that we gave up."""
        attempt = self.request.retries + 1
        if attempt > self.redelivery_retries:
            _note(run, f"redelivered after a lost worker; gave up after {self.redelivery_retries} retries")
            return
        countdown = settings.JOB_LOCK_TTL + REDELIVERY_MARGIN_SECONDS
        retry = f"retry {attempt} of {self.redelivery_retries}"
        _note(run, f"redelivered after a lost worker: will be retried in {countdown} s ({retry})")
        raise self.retry(countdown=countdown, max_retries=self.redelivery_retries)


def _note(run: JobRun, message: str) -> None:
    run.error = f"{run.error}; {message}"
    JobRun.objects.filter(pk=run.pk).update(error=run.error)


def job_task(*args, **options):
    """``shared_task`` with ``JobTask`` as its base; takes the same options."""
    options.setdefault("base", JobTask)
    return shared_task(*args, **options)


class JobCommand(BaseCommand):
    """A management command whose ``run_job`` is recorded as a ``JobRun``.

    A failure is recorded and turned into a ``CommandError`` (exit status 1)
    whose message names the problem. A run refused by the lock exits with
    status 3 (``SKIPPED_EXIT_STATUS``) and the line "skipped: <job> is already
    running (run #N since ...)", so a CI step does not pass when nothing ran;
    ``--wait [SECONDS]`` first waits that long for the lock.
    """

    job_name: str = ""
    job_lock: bool = True

    def run_job(self, run, *args, **options):
        raise NotImplementedError

    def get_job_name(self, *args, **options) -> str:
        return self.job_name

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        if self.job_lock:
            add_wait_argument(parser)
        return parser

    def handle(self, *args, **options):
        job = self.get_job_name(*args, **options)
        wait = options.pop("wait", 0)
        try:
            with track_job(
                job, trigger=JobRun.Trigger.COMMAND, lock=self.job_lock, wait=wait, on_wait=self.stdout.write
            ) as run:
                return self.run_job(run, *args, **options)
        except JobSkipped as skipped:
            raise skipped_error(skipped.run.error) from None
        except CommandError:
            raise
        except Exception as exc:
            raise CommandError(f"{job} failed: {format_error(exc)}") from exc
