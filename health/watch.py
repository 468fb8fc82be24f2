"""Each job's and data source's state, judged from rows, with flips recorded.

Jobs (as healthchecks.io shows its checks):
- paused: its beat entry is disabled;
- down: a run is stuck (still "running" past ``max_runtime``), or the last
  ``failures`` finished runs all failed, or the latest expected run was missed
  (nothing started by the end of its grace);
- late: the latest expected run is within its grace with no start yet, or the
  latest finished run failed (fewer than ``failures`` in a row), or it started late;
- up: otherwise.

Sources: fresh when the newest data and the last load are both within the
source's lag, late within lag + grace, stale beyond (or never loaded).

A state change is a ``Flip`` (when, from, to, why), written with a
compare-and-set on the ``Monitor`` row so two sweeps never record one twice,
and handed to ``health.signals_out``.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from health import registry
from health.expected import EARLY, Matched, Schedule, beat_schedules, match_runs, schedule_for
from health.models import Flip, JobRun, Monitor

State = Monitor.State
FAILED = {JobRun.Status.FAILED, JobRun.Status.ABANDONED}
FINISHED = FAILED | {JobRun.Status.SUCCEEDED}


@dataclass
class JobReport:
    spec: registry.JobSpec
    schedule: Schedule
    matched: Matched = field(default_factory=Matched)
    succeeded: int = 0
    failed: int = 0
    skipped: int = 0
    durations: list[float] = field(default_factory=list)
    rows_written: int = 0
    last_error: str = ""
    last_success: datetime | None = None
    failures_in_a_row: int = 0
    stuck: list[int] = field(default_factory=list)
    waited_for_lock: int = 0
    state: str = State.UP
    reason: str = ""
    # (start, end) of each recovery: first failure after a success -> next success's end.
    recoveries: list[timedelta] = field(default_factory=list)
    open_incident_since: datetime | None = None

    @property
    def p50(self) -> float | None:
        return percentile(self.durations, 0.5)

    @property
    def p95(self) -> float | None:
        return percentile(self.durations, 0.95)


def percentile(values: list[float], share: float) -> float | None:
    """Nearest-rank percentile: the smallest value with at least ``share`` of them at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def judge_jobs(
    start: datetime,
    now: datetime,
    specs: list[registry.JobSpec] | None = None,
    stuck: dict[str, list[int]] | None = None,
) -> list[JobReport]:
    """Every registered job over ``start``..``now``: four queries whatever the number of runs.

    ``stuck``: runs the sweep just marked abandoned for running past their max runtime.
    Nothing is expected of a job before it was first watched or first ran, whichever
    came first (like healthchecks' "new"): an empty database has no missed runs.
    """
    specs = registry.jobs() if specs is None else specs
    names = [s.name for s in specs]
    entries = beat_schedules()
    outcomes = JobRun.objects.last_outcomes(names)
    last_success = {job: o.last_success for job, o in outcomes.items() if o.last_success}
    first_seen = dict(Monitor.objects.jobs().values_list("name", "first_seen"))
    runs: dict[str, list[tuple]] = {name: [] for name in names}
    rows = (
        JobRun.objects.for_jobs(names)
        .started_since(start)
        .order_by("started_at", "pk")
        .values_list(
            "pk", "job", "status", "started_at", "finished_at", "duration", "rows_written", "error", "detail"
        )
    )
    for row in rows:
        runs[row[1]].append(row)
    reports = []
    for spec in specs:
        report = JobReport(spec, schedule_for(spec, entries.get(spec.name)))
        report.last_success = last_success.get(spec.name)
        _tally(report, runs[spec.name], now)
        report.stuck += (stuck or {}).get(spec.name, [])
        starts = [r[3] for r in runs[spec.name] if r[2] != JobRun.Status.SKIPPED]
        # Evidence the job existed: when it was first watched, its window's first run, its last
        # outcomes (no scan of the whole history for a first-ever run).
        outcome = outcomes.get(spec.name)
        ran = [r[3] for r in runs[spec.name][:1]] + [t for t in (outcome or ()) if t is not None]
        floors = [first_seen.get(spec.name)] + [t - spec.grace - EARLY for t in ran]
        floors = [f for f in floors if f is not None]
        if report.schedule.paused:
            report.state, report.reason = State.PAUSED, report.schedule.described
            reports.append(report)
            continue
        if not floors:
            report.state, report.reason = State.NEW, "not run yet and not watched before this sweep"
            reports.append(report)
            continue
        since = max(start, min(floors))
        anchor = report.last_success
        if anchor is None or anchor >= since:
            anchor = starts[0] if starts else None  # an interval starts from the first run
        report.matched = match_runs(report.schedule, spec.grace, starts, since=since, now=now, anchor=anchor)
        report.state, report.reason = _state(report, now)
        reports.append(report)
    return reports


def _tally(report: JobReport, rows: list[tuple], now: datetime) -> None:
    max_runtime = report.spec.max_runtime or timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    incident = None
    for pk, _, status, started, finished, duration, written, error, detail in rows:
        if status == JobRun.Status.SUCCEEDED:
            report.succeeded += 1
            report.failures_in_a_row = 0
            if duration is not None:
                report.durations.append(duration.total_seconds())
            if incident is not None:
                report.recoveries.append((finished or started) - incident)
                incident = None
        elif status in FAILED:
            report.failed += 1
            report.failures_in_a_row += 1
            report.last_error = error
            incident = incident or started
        elif status == JobRun.Status.SKIPPED:
            report.skipped += 1
        elif status == JobRun.Status.RUNNING and started < now - max_runtime:
            report.stuck.append(pk)
        report.rows_written += written or 0
        if (detail or {}).get("waited_for_lock_seconds"):
            report.waited_for_lock += 1
    report.open_incident_since = incident


def _state(report: JobReport, now: datetime) -> tuple[str, str]:
    spec, slots = report.spec, report.matched.slots
    if report.schedule.paused:
        return State.PAUSED, report.schedule.described
    if report.stuck:
        return State.DOWN, f"run {report.stuck[0]} was stuck past its max runtime (now marked abandoned)"
    if report.failures_in_a_row >= spec.failures:
        return State.DOWN, f"{report.failures_in_a_row} failures in a row"
    judged = [s for s in slots if s.outcome != "pending"]
    if not judged and report.last_success is None and not report.failed and not report.succeeded:
        return State.NEW, "no run yet and none expected so far"
    if judged and judged[-1].outcome == "missed":
        when = timezone.localtime(judged[-1].expected)
        return State.DOWN, f"missed the run expected {when:%Y-%m-%d %H:%M %Z}"
    if slots and slots[-1].outcome == "pending":
        when = timezone.localtime(slots[-1].expected)
        return State.LATE, f"expected {when:%Y-%m-%d %H:%M %Z}, not started yet (within grace)"
    if report.failures_in_a_row:
        return State.LATE, f"the last run failed ({report.failures_in_a_row} of {spec.failures} allowed)"
    if judged and judged[-1].outcome == "late":
        return State.LATE, "the last expected run started after its grace"
    return State.UP, ""


@dataclass
class SourceReport:
    spec: registry.SourceSpec
    newest: date | datetime | None
    last_load: datetime | None
    state: str
    reason: str

    @property
    def age(self) -> timedelta | None:
        moment = covered_until(self.newest)
        return None if moment is None else timezone.now() - moment


def covered_until(newest: date | datetime | None) -> datetime | None:
    """A data date covers that whole day in the reporting time zone: up to the next midnight."""
    if newest is None or isinstance(newest, datetime):
        return newest
    tz = timezone.get_default_timezone()
    return datetime.combine(newest + timedelta(days=1), time.min, tzinfo=tz)


def judge_sources(now: datetime) -> list[SourceReport]:
    reports = []
    for spec in registry.sources():
        newest = spec.newest()
        last_load = spec.last_load() if spec.last_load else None
        data_at = covered_until(newest)
        ages = [now - moment for moment in (data_at, last_load) if moment is not None]
        if data_at is None or (spec.last_load and last_load is None):
            state, reason = State.STALE, "no data yet" if data_at is None else "never loaded"
        else:
            worst = max(ages)
            if worst <= spec.lag:
                state, reason = State.FRESH, ""
            elif worst <= spec.lag + spec.grace:
                state, reason = State.LATE, f"{_hours(worst)} old, expected within {_hours(spec.lag)}"
            else:
                state, reason = State.STALE, f"{_hours(worst)} old, expected within {_hours(spec.lag)}"
        reports.append(SourceReport(spec, newest, last_load, state, reason))
    return reports


def _hours(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours:,.1f} h" if hours < 48 else f"{hours / 24:,.1f} days"


@transaction.atomic
def record_states(
    kind: str,
    states: dict[str, tuple[str, str]],
    now: datetime,
    announce: Callable[[Flip], None] | None = None,
) -> list[Flip]:
    """Store each name's state; a change is a Flip (compare-and-set, so it is recorded once).

    One transaction: a state never changes without its flip, and ``announce`` is
    told of each flip inside it (so an event it writes commits or rolls back with
    the flip; ``health.signals_out``).
    """
    existing = {m.name: m for m in Monitor.objects.filter(kind=kind)}
    missing = [
        Monitor(kind=kind, name=name, since=now, first_seen=now) for name in states if name not in existing
    ]
    if missing:
        Monitor.objects.bulk_create(missing, ignore_conflicts=True)
        existing = {m.name: m for m in Monitor.objects.filter(kind=kind)}
    flips = []
    for name, (state, reason) in states.items():
        monitor = existing[name]
        if monitor.state == state:
            continue
        claimed = Monitor.objects.filter(pk=monitor.pk, state=monitor.state).update(
            state=state, since=now, reason=reason[:300], checked_at=now
        )
        if claimed == 1:
            flips.append(
                Flip(monitor=monitor, at=now, old_state=monitor.state, new_state=state, reason=reason[:300])
            )
    Flip.objects.bulk_create(flips)
    Monitor.objects.filter(kind=kind, name__in=list(states)).update(checked_at=now)
    for flip in flips:
        if announce is not None:
            announce(flip)
    return flips
