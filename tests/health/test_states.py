"""Job states with their flips, source freshness, and the seam events go out through."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from health import registry, signals_out
from health.models import Flip, Monitor
from health.sweep import run_sweep
from health.watch import record_states
from tests.factories import JobRunFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def events(monkeypatch):
    seen = []
    monkeypatch.setattr(signals_out, "notify", lambda kind, payload: seen.append((kind, payload)))
    return seen


def failed(job, hours_ago):
    at = timezone.now() - timedelta(hours=hours_ago)
    return JobRunFactory(job=job, status="failed", started_at=at, finished_at=at, error="ValueError: boom")


def test_it_creates_a_flip_when_a_job_goes_down_after_n_failures_in_a_row(only_these_jobs, events):
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
    assert [kind for kind, _ in events] == ["job.flipped", "job.flipped"]
    payload = events[-1][1]
    assert (payload["name"], payload["from"], payload["to"]) == ("a.daily", "late", "down")
    assert payload["why"] == "2 failures in a row"


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


def test_a_source_is_fresh_within_its_lag_late_within_grace_and_stale_beyond(source, events):
    now = timezone.now()
    source["newest"], source["load"] = now - timedelta(hours=1), now - timedelta(hours=1)
    assert [s.state for s in run_sweep().sources] == ["fresh"]
    source["newest"] = now - timedelta(hours=30)  # 26 h < 30 h <= 26 + 12 h
    (late,) = run_sweep().sources
    assert (late.state, late.reason) == ("late", "30.0 h old, expected within 26.0 h")
    source["newest"] = now - timedelta(hours=40)
    assert [s.state for s in run_sweep().sources] == ["stale"]
    assert ("source.stale", "shop") in [(kind, payload["name"]) for kind, payload in events]


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


def test_the_sweep_tells_the_seam_when_the_report_is_written_and_the_score_drops(only_these_jobs, events):
    from health.report import write_snapshot

    only_these_jobs(registry.JobSpec("a.daily", timedelta(days=1)))
    at = timezone.now() - timedelta(hours=2)
    JobRunFactory(job="a.daily", status="succeeded", started_at=at, finished_at=at, duration=timedelta(0))
    write_snapshot(run_sweep())
    failed("a.daily", 1)
    write_snapshot(run_sweep())
    kinds = [kind for kind, _ in events]
    assert kinds.count("report.written") == 2
    assert ("score.dropped", {"score": "resilience", "from": 100.0, "to": 50.0}) in events
