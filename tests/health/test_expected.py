"""Expected runs from beat's own entry, across both DST changes in America/Toronto.

2026-03-08: 02:00 EST -> 03:00 EDT (a 02:30 entry fires at 03:30 EDT, as beat does).
2026-11-01: 02:00 EDT -> 01:00 EST (a 01:10 entry fires once, on the first pass).
"""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from health import registry
from health.models import Flip, Monitor
from health.sweep import run_sweep
from tests.factories import JobRunFactory

pytestmark = pytest.mark.django_db
TORONTO = ZoneInfo("America/Toronto")
JOB = "a.nightly"


def local(*args) -> datetime:
    return datetime(*args, tzinfo=TORONTO)


@pytest.fixture
def nightly(only_these_jobs):
    """A beat entry for JOB at ``minute hour`` Toronto time; the registry's every= is not used."""

    def install(minute: str, hour: str, *, enabled: bool = True):
        only_these_jobs(registry.JobSpec(JOB, every=timedelta(days=7), grace=timedelta(hours=1)))
        crontab = CrontabSchedule.objects.create(minute=minute, hour=hour, timezone=TORONTO)
        PeriodicTask.objects.create(name="nightly", task=JOB, crontab=crontab, enabled=enabled)

    return install


def ran(at: datetime, status: str = "succeeded"):
    return JobRunFactory(
        job=JOB,
        status=status,
        started_at=at,
        finished_at=at + timedelta(minutes=2),
        duration=timedelta(minutes=2),
    )


def slots_by_day(job) -> dict:
    days: dict = {}
    for slot in job.matched.slots:
        days.setdefault(slot.expected.astimezone(TORONTO).date().isoformat(), []).append(slot)
    return days


def test_a_02_30_entry_is_expected_at_03_30_on_the_spring_dst_day_as_beat_runs_it(nightly):
    nightly("30", "2")
    for day in (2, 3, 4, 5, 6, 7):
        ran(local(2026, 3, day, 2, 30, 5))
    ran(local(2026, 3, 8, 3, 30, 5))  # 07:30 UTC: beat reads 02:30 with the pre-transition offset
    with time_machine.travel(local(2026, 3, 8, 12, 0), tick=False):
        (job,) = run_sweep().jobs
    spring = slots_by_day(job)["2026-03-08"]
    assert [s.expected for s in spring] == [datetime(2026, 3, 8, 7, 30, tzinfo=UTC)]
    assert job.matched.count("missed") == 0
    assert job.matched.count("on_time") == len(job.matched.slots) == 7
    assert job.state == "up"
    assert job.schedule.described == "crontab 30 2 * * * (America/Toronto)"


def test_a_run_missing_on_the_spring_dst_day_is_late_within_grace_then_missed(nightly):
    nightly("30", "2")
    for day in (2, 3, 4, 5, 6, 7):
        ran(local(2026, 3, day, 2, 30, 5))
    # 03:45 EDT: 15 min past the expected 03:30 EDT, within the hour of grace.
    with time_machine.travel(local(2026, 3, 8, 3, 45), tick=False):
        (job,) = run_sweep().jobs
    assert (job.state, job.matched.slots[-1].outcome) == ("late", "pending")
    with time_machine.travel(local(2026, 3, 8, 4, 31), tick=False):
        (job,) = run_sweep().jobs
    assert job.state == "down"
    assert job.reason == "missed the run expected 2026-03-08 03:30 EDT"
    assert [s.expected for s in job.matched.slots if s.outcome == "missed"] == [
        datetime(2026, 3, 8, 7, 30, tzinfo=UTC)
    ]
    flips = list(Flip.objects.order_by("at").values_list("old_state", "new_state"))
    assert flips == [("new", "late"), ("late", "down")]


def test_a_01_10_entry_is_expected_once_on_the_autumn_night_with_its_repeated_hour(nightly):
    nightly("10", "1")
    for day in (26, 27, 28, 29, 30, 31):
        ran(local(2026, 10, day, 1, 10, 5))
    ran(datetime(2026, 11, 1, 5, 10, 5, tzinfo=UTC))  # 01:10 EDT, the first pass
    with time_machine.travel(local(2026, 11, 1, 12, 0), tick=False):
        (job,) = run_sweep().jobs
    autumn = slots_by_day(job)["2026-11-01"]
    # croniter would also expect 01:10 EST (06:10 UTC), a run beat never makes.
    assert [s.expected for s in autumn] == [datetime(2026, 11, 1, 5, 10, tzinfo=UTC)]
    assert job.matched.count("missed") == 0
    assert job.matched.count("on_time") == len(job.matched.slots) == 7
    assert job.state == "up"


def test_the_autumn_night_without_its_run_is_one_missed_run_not_two(nightly):
    nightly("10", "1")
    for day in (26, 27, 28, 29, 30, 31):
        ran(local(2026, 10, day, 1, 10, 5))
    with time_machine.travel(local(2026, 11, 1, 12, 0), tick=False):
        (job,) = run_sweep().jobs
    assert [s.expected for s in job.matched.slots if s.outcome == "missed"] == [
        datetime(2026, 11, 1, 5, 10, tzinfo=UTC)
    ]


def test_a_disabled_beat_entry_pauses_the_job(nightly):
    nightly("10", "1", enabled=False)
    with time_machine.travel(local(2026, 11, 1, 12, 0), tick=False):
        (job,) = run_sweep().jobs
    assert job.state == "paused"
    assert job.matched.slots == []
    assert Monitor.objects.get(name=JOB).state == "paused"


def test_a_job_without_a_beat_entry_keeps_its_registry_interval(only_these_jobs):
    only_these_jobs(registry.JobSpec("b.by_hand", every=timedelta(days=1), grace=timedelta(hours=2)))
    with time_machine.travel(local(2026, 6, 10, 12, 0), tick=False):
        for hours_ago in (75, 50, 2):
            JobRunFactory(
                job="b.by_hand",
                status="succeeded",
                started_at=local(2026, 6, 10, 12) - timedelta(hours=hours_ago),
            )
        (job,) = run_sweep().jobs
    # Anchored on the first run (75 h ago): expected 51 h ago (answered 50 h ago: on time),
    # then 26 h ago (no run before the next expected time: missed), then 2 h ago (on time).
    assert [s.outcome for s in job.matched.slots] == ["on_time", "missed", "on_time"]
    assert job.state == "up"
    assert job.schedule.described == "registry (no beat entry)"
