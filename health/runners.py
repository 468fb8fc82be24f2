"""Celery tasks and management commands that record their runs with no extra code.

@job_task(name="health.prune_job_runs")
def prune_job_runs(days=None): ...

class Command(JobCommand):
    job_name = "backlog.export"
    def run_job(self, run, **options): ...
"""

from celery import Task, shared_task
from django.core.management.base import BaseCommand, CommandError

from health.jobs import JobSkipped, format_error, track_job
from health.models import JobRun


def trigger_for(request) -> str:
    """Beat marks the tasks it sends with the periodic task's name (django-celery-beat)."""
    headers = getattr(request, "headers", None) or {}
    from_beat = getattr(request, "periodic_task_name", None) or headers.get("periodic_task_name")
    return JobRun.Trigger.BEAT if from_beat else JobRun.Trigger.MANUAL


class JobTask(Task):
    """A task whose every run is recorded and locked under the task's name."""

    #: Set False for tasks that may safely run concurrently.
    job_lock = True

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
            return {"status": JobRun.Status.SKIPPED, "job_run": skipped.run.pk}


def job_task(*args, **options):
    """``shared_task`` with ``JobTask`` as its base; takes the same options."""
    options.setdefault("base", JobTask)
    return shared_task(*args, **options)


class JobCommand(BaseCommand):
    """A management command whose ``run_job`` is recorded as a ``JobRun``.

    A failure is recorded and turned into a ``CommandError`` (exit status 1)
    whose message names the problem; a run refused by the lock says so and
    exits 0, since nothing went wrong.
    """

    job_name: str = ""
    job_lock: bool = True

    def run_job(self, run, *args, **options):
        raise NotImplementedError

    def get_job_name(self, *args, **options) -> str:
        return self.job_name

    def handle(self, *args, **options):
        job = self.get_job_name(*args, **options)
        try:
            with track_job(job, trigger=JobRun.Trigger.COMMAND, lock=self.job_lock) as run:
                return self.run_job(run, *args, **options)
        except JobSkipped as skipped:
            self.stderr.write(f"{job}: {skipped.run.error}")
        except CommandError:
            raise
        except Exception as exc:
            raise CommandError(f"{job} failed: {format_error(exc)}") from exc
