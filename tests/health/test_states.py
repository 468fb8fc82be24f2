"""Job states with their flips, source freshness, and the seam events go out through."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from bizops.events.models import Event
from health import registry
from health.models import Flip, Monitor
from health.sweep import run_sweep
from health.watch import record_states
from tests.factories import JobRunFactory

pytestmark = pytest.mark.django_db


def events(type_: str) -> list[dict]:
    """The payloads of the outbox's events of ``type_``, oldest first."""
    return [e.payload for e in Event.objects.filter(type=type_).order_by("created_at", "pk")]


def failed(job, hours_ago):
    at = timezone.now() - timedelta(hours=hours_ago)
    return JobRunFactory(job=job, status="failed", started_at=at, finished_at=at, error="ValueError: boom")


def test_it_creates_a_flip_when_a_job_goes_down_after_n_failures_in_a_row(only_these_jobs):
    only_these_jobs(registry.JobSpec("a.daily", timedelta(days=1), failures=2))
    failed("a.daily", 3)
    (job,) = run_sweep().jobs
    assert (job.state, job.reason) == ("late", "the last run failed (1 of 2 allowed)")
    failed("a.daily", 2)
    (job,) = run_sweep().jobs
    assert (job.state, job.reason) == ("down", "2 failures in a row")
    assert list(Flip.objects.order_by("at").values_list("old_state", "new_state", "reason")) == [
        ("new", "late", "the last run failed (1 of 2 allowed)"),
        ("late", "down", "2 failures in a row"),
    ]
    # Failures are announced by the job wrapper as each run ends (job.failed), not by the sweep.
    assert events("job.missed") == []


def test_a_missed_run_alerts_once_while_the_job_stays_down_then_its_recovery(only_these_jobs):
    only_these_jobs(registry.JobSpec("a.daily", timedelta(days=1), grace=timedelta(hours=2)))
    at = timezone.now() - timedelta(days=3)
    JobRunFactory(job="a.daily", status="succeeded", started_at=at, finished_at=at, duration=timedelta(0))
    (job,) = run_sweep().jobs
    assert job.state == "down" and job.reason.startswith("missed")
    run_sweep()  # still down: no second alert before the reminder interval
    (missed,) = events("job.missed")
    assert (missed["job"], missed["every_seconds"], missed["grace_seconds"]) == ("a.daily", 86400, 7200)
    assert missed["reminder"] is False
    now = timezone.now()
    JobRunFactory(job="a.daily", status="succeeded", started_at=now, finished_at=now, duration=timedelta(0))
    (job,) = run_sweep().jobs
    assert job.state == "up"
    assert [e["job"] for e in events("job.recovered")] == ["a.daily"]


def test_an_unchanged_state_records_no_flip(only_these_jobs):
    only_these_jobs(registry.JobSpec("a.daily", timedelta(days=1)))
    failed("a.daily", 3)
    run_sweep()
    run_sweep()
    assert Flip.objects.count() == 1


def test_a_flip_is_recorded_once_when_another_sweep_changed_the_state_first():
    now = timezone.now()
    record_states("job", {"a": ("up", "")}, now)
    stale_view = Monitor.objects.get(name="a")
    Monitor.objects.filter(pk=stale_view.pk).update(state="down")  # another sweep got there first
    # Compare-and-set on the state we read: our update matches no row, so no second flip.
    assert Monitor.objects.filter(pk=stale_view.pk, state=stale_view.state).update(state="down") == 0
    record_states("job", {"a": ("down", "x")}, now)
    assert list(Flip.objects.values_list("old_state", "new_state")) == [("new", "up")]


@pytest.fixture
def source(only_these_jobs):
    only_these_jobs()
    data = {"newest": None, "load": None}
    registry.register_source(
        "shop",
        label="Shop orders",
        newest=lambda: data["newest"],
        last_load=lambda: data["load"],
        lag=timedelta(hours=26),
        grace=timedelta(hours=12),
    )
    return data


def test_a_source_is_fresh_within_its_lag_late_within_grace_and_stale_beyond(source):
    now = timezone.now()
    source["newest"], source["load"] = now - timedelta(hours=1), now - timedelta(hours=1)
    assert [s.state for s in run_sweep().sources] == ["fresh"]
    source["newest"] = now - timedelta(hours=30)  # 26 h < 30 h <= 26 + 12 h
    (late,) = run_sweep().sources
    assert (late.state, late.reason) == ("late", "30.0 h old, expected within 26.0 h")
    source["newest"] = now - timedelta(hours=40)
    assert [s.state for s in run_sweep().sources] == ["stale"]
    (stale,) = events("source.stale")
    assert (stale["source"], stale["max_age_seconds"]) == ("shop", (26 + 12) * 3600)


def test_a_data_date_covers_its_whole_day_in_the_reporting_time_zone(source):
    source["load"] = timezone.now()
    source["newest"] = timezone.localdate() - timedelta(days=1)  # yesterday: covered up to today 00:00
    (report,) = run_sweep().sources
    assert report.state == "fresh"
    source["newest"] = date(2020, 1, 1)
    (report,) = run_sweep().sources
    assert report.state == "stale"


def test_a_source_never_loaded_is_stale(source):
    (report,) = run_sweep().sources
    assert (report.state, report.reason) == ("stale", "no data yet")


def test_the_sweep_announces_the_report_and_a_score_drop_past_the_threshold(only_these_jobs, settings):
    from health.report import write_snapshot

    only_these_jobs(registry.JobSpec("a.daily", timedelta(days=1)))
    at = timezone.now() - timedelta(hours=2)
    JobRunFactory(job="a.daily", status="succeeded", started_at=at, finished_at=at, duration=timedelta(0))
    write_snapshot(run_sweep())
    failed("a.daily", 1)
    write_snapshot(run_sweep())
    assert [e["kind"] for e in events("health.report_ready")] == ["system", "system"]
    (dropped,) = events("health.score_dropped")  # 100 -> 50: a drop of 50 > the 10-point threshold
    assert (dropped["previous_score"], dropped["score"], dropped["threshold"]) == ("100.0", "50.0", "10")
