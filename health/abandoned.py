"""Runs whose process died: recorded "running" forever unless someone notices.

A run holds its job's lock while it runs, and the lock lives only as long as
its holder (see ``health.locks``). So a run still "running" whose job's lock is
free has lost its process: it is marked ``abandoned``. This happens when the
next run of the job takes the lock (``abandon_runs_of``), and in
``mark_abandoned``, which the ``health.mark_abandoned`` task calls every 10
minutes and the weekly sweep calls too. Both also abandon a run still
"running" past its job's max runtime (``abandon_stuck``) and release its lock.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from health import locks, registry
from health.models import JobRun

logger = logging.getLogger(__name__)

REASON = "abandoned: its process stopped before the run ended (killed or worker lost); the job's lock lapsed"


def abandon(runs) -> int:
    """Mark these runs abandoned if they are still running; how many were."""
    marked = 0
    now = timezone.now()
    for pk, started_at in runs.values_list("pk", "started_at"):
        # Compare-and-set: a run that finished meanwhile keeps its real outcome.
        updated = JobRun.objects.filter(pk=pk, status=JobRun.Status.RUNNING).update(
            status=JobRun.Status.ABANDONED, finished_at=now, duration=now - started_at, error=REASON
        )
        if updated:
            logger.warning("job run #%s marked abandoned", pk)
        marked += updated
    return marked


def abandon_runs_of(job: str, *, before) -> int:
    """Called by a run that has just taken ``job``'s lock: no earlier run can still hold it."""
    return abandon(JobRun.objects.running_locked().for_job(job).started_before(before))


def mark_abandoned() -> int:
    """Mark abandoned every running run whose job's lock is free; how many were."""
    # Only runs that started before the lock was looked at: a run that takes
    # the lock later creates its record later, and must not be caught here.
    checked_at = timezone.now()
    marked = 0
    jobs = JobRun.objects.running_locked().started_before(checked_at).values_list("job", flat=True)
    for job in sorted(set(jobs)):
        if not locks.is_held(job):
            marked += abandon(JobRun.objects.running_locked().for_job(job).started_before(checked_at))
    return marked


def abandon_stuck(now: datetime) -> dict[str, list[int]]:
    """Runs still "running" past their job's max runtime: marked abandoned, their lock released.

    A run that old cannot be making progress (the task's hard time limit would have
    ended it), so whoever still holds the job's lock is that run's process.
    """
    limits = {s.name: s.max_runtime for s in registry.jobs()}
    default = timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    stuck: dict[str, list[int]] = {}
    for job in sorted(set(JobRun.objects.running().values_list("job", flat=True))):
        runs = JobRun.objects.running().for_job(job).started_before(now - (limits.get(job) or default))
        pks = list(runs.values_list("pk", flat=True))
        if pks and abandon(JobRun.objects.filter(pk__in=pks)):
            locks.force_release(job)
            stuck[job] = pks
    return stuck
