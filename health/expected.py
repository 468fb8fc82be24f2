"""When each job should have run, read from beat's own entry, and how its runs matched.

A job with a django-celery-beat ``PeriodicTask`` (its task is the job's name)
is expected on that entry's schedule: a crontab in its own time zone, or an
interval. The times come from Celery's schedule objects themselves
(``remaining_estimate``), not from croniter: on DST days the two disagree (a
spring 02:30 entry fires at 03:30, and an autumn 01:10 entry fires once, on its
first pass), and the monitor must expect exactly what beat will do. A job
without an entry (run by CI or by hand) is expected every ``JobSpec.every``
after its previous run.

Every time here is UTC; grace is added to UTC values only (adding a timedelta
to a local time is wrong across DST).
"""

from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from celery.schedules import crontab
from django_celery_beat.models import PeriodicTask

from health.registry import JobSpec

# Beat may start a run a moment before the minute it reads on its clock.
EARLY = timedelta(minutes=1)
_FIXED = datetime(2000, 1, 1, tzinfo=UTC)  # any instant: it cancels out


@dataclass(frozen=True)
class Schedule:
    """How a job is expected: a Celery crontab, or an interval; ``paused`` when beat's entry is off."""

    cron: crontab | None
    every: timedelta | None
    described: str
    paused: bool = False

    @property
    def expects(self) -> bool:
        return not self.paused and (self.cron is not None or self.every is not None)

    def next_after(self, moment: datetime) -> datetime:
        """The first expected time after ``moment`` (UTC), as beat computes it."""
        if self.cron is None:
            return moment + self.every
        # remaining_estimate() counts from now(): pin now() so the result is absolute.
        self.cron.nowfun = lambda: _FIXED
        return (_FIXED + self.cron.remaining_estimate(moment)).astimezone(UTC)


def beat_schedules() -> dict[str, list[PeriodicTask]]:
    """Beat's entries by task name, with their crontab or interval, in one query."""
    entries: dict[str, list[PeriodicTask]] = {}
    for task in PeriodicTask.objects.select_related("crontab", "interval").exclude(task=""):
        entries.setdefault(task.task, []).append(task)
    return entries


def schedule_for(spec: JobSpec, entries: list[PeriodicTask] | None) -> Schedule:
    """The job's schedule from its beat entry (the enabled one), else ``spec.every``."""
    entries = [e for e in entries or [] if e.crontab_id or e.interval_id]
    enabled = [e for e in entries if e.enabled]
    if entries and not enabled:
        entry = entries[0]
        return Schedule(None, spec.every, f"beat entry {entry.name!r} is disabled", paused=True)
    if enabled:
        entry = enabled[0]
        if entry.crontab_id:
            c = entry.crontab
            text = f"{c.minute} {c.hour} {c.day_of_month} {c.month_of_year} {c.day_of_week}"
            return Schedule(c.schedule, spec.every, f"crontab {text} ({c.timezone})")
        interval = entry.interval.schedule.run_every
        return Schedule(None, interval, f"beat interval {entry.interval}")
    if spec.every is None:
        return Schedule(None, None, "none (no beat entry, no every=)")
    return Schedule(None, spec.every, "registry (no beat entry)")


@dataclass
class Slot:
    expected: datetime
    started: datetime | None = None  # the matching run's start
    outcome: str = "pending"  # on_time, late, missed, pending


@dataclass
class Matched:
    slots: list[Slot] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(slot.outcome == outcome for slot in self.slots)

    @property
    def due(self) -> int:
        """Expected runs whose grace is over (pending ones are not judged yet)."""
        return sum(slot.outcome != "pending" for slot in self.slots)


def match_runs(
    schedule: Schedule,
    grace: timedelta,
    starts: list[datetime],
    *,
    since: datetime,
    now: datetime,
    anchor: datetime | None = None,
) -> Matched:
    """Each expected time in (``since``, ``now``] with the first run started for it.

    ``starts`` are the job's run start times (sorted, UTC). A run started from
    ``EARLY`` before an expected time up to the next expected time answers it:
    on time within ``grace``, late after. None by the end of grace: missed;
    still within grace: pending. ``anchor`` is where an interval job's expectations
    start: its last success before ``since``, else its first run in the window
    (nothing is expected of a job before it first ran); None for an interval job:
    nothing expected.
    """
    matched = Matched()
    if not schedule.expects or (schedule.cron is None and anchor is None):
        return matched
    cursor = since if schedule.cron is not None else (anchor or since)
    expected = schedule.next_after(cursor)
    while expected <= now:
        following = schedule.next_after(expected)
        i = bisect_left(starts, expected - EARLY)
        answer = starts[i] if i < len(starts) and starts[i] < following - EARLY else None
        slot = Slot(expected, answer)
        if answer is not None:
            slot.outcome = "on_time" if answer <= expected + grace else "late"
        elif expected + grace <= now:
            slot.outcome = "missed"
        if expected > since:  # an interval anchored before the window walks up to it first
            matched.slots.append(slot)
        if schedule.cron is None and answer is not None:
            # An interval restarts from the run that answered, as beat's does.
            following = schedule.next_after(answer)
        expected = following
    return matched
