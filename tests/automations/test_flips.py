"""Alerts on flips: a job that stays down alerts once, reminds at a set interval, then recovers once."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from bizops.events import flips
from bizops.events.models import Event
from health.jobs import track_job

pytestmark = pytest.mark.django_db


def run(job: str, *, fail: bool) -> None:
    try:
        with track_job(job, trigger="manual", lock=False):
            if fail:
                raise RuntimeError("the source answered 500")
    except RuntimeError:
        pass


def alerts():
    """The alert events, oldest first (each ETL run's own ``etl.run_finished`` is another story)."""
    return Event.objects.exclude(type="etl.run_finished").order_by("created_at")


def types() -> list[tuple[str, bool | None]]:
    return [(e.type, e.payload.get("reminder")) for e in alerts()]


def test_a_job_that_stays_down_alerts_once_reminds_then_says_it_recovered(settings):
    settings.ALERT_REMINDER_HOURS = 6
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        run("etl.pull_meta", fail=False)
        assert types() == []  # up and staying up: nothing
        run("etl.pull_meta", fail=True)
        run("etl.pull_meta", fail=True)
        clock.shift(timedelta(hours=5))
        run("etl.pull_meta", fail=True)
        assert types() == [("job.failed", False)]
        clock.shift(timedelta(hours=1))
        run("etl.pull_meta", fail=True)
        assert types() == [("job.failed", False), ("job.failed", True)]
        clock.shift(timedelta(hours=1))
        run("etl.pull_meta", fail=False)
        run("etl.pull_meta", fail=False)
    assert types() == [("job.failed", False), ("job.failed", True), ("job.recovered", None)]
    first, recovered = alerts()[0], alerts()[2]
    assert first.payload["error"] == "RuntimeError: the source answered 500"
    assert recovered.payload["down_seconds"] == 7 * 3600


def test_a_missed_job_then_a_success_recovers_it():
    flips.job_missed("etl.pull_tiktok", last_success=None, every=timedelta(days=1), grace=timedelta(hours=2))
    flips.job_missed("etl.pull_tiktok", last_success=None, every=timedelta(days=1), grace=timedelta(hours=2))
    run("etl.pull_tiktok", fail=False)
    assert types() == [("job.missed", False), ("job.recovered", None)]


def test_a_stale_source_alerts_once_until_it_is_fresh_again():
    for _ in range(3):
        flips.source_stale("meta", last_loaded_at=None, max_age=timedelta(hours=30))
    flips.source_fresh("meta")
    flips.source_stale("meta", last_loaded_at=None, max_age=timedelta(hours=30))
    assert types() == [("source.stale", False), ("source.stale", False)]


def test_the_score_drop_alerts_only_above_the_setting(settings):
    settings.HEALTH_SCORE_DROP_ALERT = Decimal("10")
    assert flips.score_dropped(previous=Decimal("90"), score=Decimal("80"), report="h1") is None
    event = flips.score_dropped(previous=Decimal("90"), score=Decimal("79.5"), report="h2")
    assert event.payload["drop"] == Decimal("10.5")
    event.refresh_from_db()
    assert event.payload["drop"] == "10.5"  # decimals are stored as exact strings


def test_report_ready_carries_its_score():
    event = flips.report_ready(
        kind="health", report="health-2026-11-30", title="Health, week 48", score=Decimal("97")
    )
    event.refresh_from_db()
    assert (event.type, event.payload["score"]) == ("health.report_ready", "97")
