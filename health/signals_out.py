"""Where health tells the rest of the system what it saw: events in the outbox.

The sweep calls these inside the transactions that record what they announce
(a state flip, the weekly snapshot), so an event is written exactly when its
cause commits (``bizops.events``: ``emit`` writes an outbox row, Celery
delivers it afterwards). The alert state of ``bizops.events.flips`` makes a
subject that stays down alert once, then remind, then say it recovered.

- a job flipping to down because its expected run was missed: ``job.missed``;
- a job flipping back to up: ``job.recovered`` (when it had alerted);
- a source flipping to stale: ``source.stale``; back to fresh: ready to alert anew;
- the weekly score falling by more than ``HEALTH_SCORE_DROP_ALERT``: ``health.score_dropped``;
- the weekly report written: ``health.report_ready``.

(A failed run's ``job.failed`` comes from the job wrapper when the run ends.)
"""

from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal

from bizops.events import flips
from health.models import Flip, Monitor

State = Monitor.State


def _period(schedule, now: datetime) -> timedelta:
    """How often a schedule runs: its interval, or the gap between a crontab's next two times."""
    if schedule.every is not None:
        return schedule.every
    first = schedule.next_after(now)
    return schedule.next_after(first) - first


def job_announcer(jobs: dict, now: datetime) -> Callable[[Flip], None]:
    """Announce a job's flip; ``jobs`` maps a job's name to its ``JobReport``."""

    def announce(flip: Flip) -> None:
        job = jobs.get(flip.monitor.name)
        if job is None:
            return
        if flip.new_state == State.DOWN and flip.reason.startswith("missed"):
            flips.job_missed(
                job.spec.name,
                last_success=job.last_success,
                every=_period(job.schedule, now),
                grace=job.spec.grace,
                now=now,
            )
        elif flip.new_state == State.UP:
            flips.job_succeeded(job.spec.name, finished_at=now)

    return announce


def source_announcer(sources: dict, now: datetime) -> Callable[[Flip], None]:
    """Announce a source's flip; ``sources`` maps a source's name to its ``SourceReport``."""

    def announce(flip: Flip) -> None:
        source = sources.get(flip.monitor.name)
        if source is None:
            return
        if flip.new_state == State.STALE:
            flips.source_stale(
                source.spec.name,
                last_loaded_at=source.last_load,
                max_age=source.spec.lag + source.spec.grace,
                now=now,
            )
        elif flip.new_state == State.FRESH:
            flips.source_fresh(source.spec.name, now=now)

    return announce


def weekly_report(report, score: float | None, previous: float | None) -> None:
    """``health.score_dropped`` (past the threshold) and ``health.report_ready`` for the week's report."""
    if score is not None and previous is not None:
        flips.score_dropped(previous=Decimal(str(previous)), score=Decimal(str(score)), report=report.slug)
    flips.report_ready(
        kind="system",
        report=report.slug,
        title=report.title,
        score=None if score is None else Decimal(str(score)),
    )
