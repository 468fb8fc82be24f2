"""The frequent sweep of abandoned runs: a job task on a beat entry every 10 minutes."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from health import locks, registry
from health.expected import beat_schedules, schedule_for
from health.locks import job_lock
from health.models import JobRun
from health.tasks import mark_abandoned_runs
from tests.factories import JobRunFactory

pytestmark = pytest.mark.django_db


def test_the_task_marks_a_dead_run_abandoned_and_leaves_a_live_one():
    dead = JobRunFactory(job="tests.dead", status="running")
    alive = JobRunFactory(job="tests.alive", status="running")
    with job_lock("tests.alive"):
        result = mark_abandoned_runs.apply().get()
    dead.refresh_from_db()
    alive.refresh_from_db()
    assert (dead.status, alive.status) == ("abandoned", "running")
    assert dead.error.startswith("abandoned: its process stopped")
    assert result["abandoned"] == 1
    own = JobRun.objects.get(job="health.mark_abandoned")
    assert (own.status, own.rows_written) == ("succeeded", 1)


def test_its_beat_entry_runs_every_ten_minutes_in_toronto_with_an_expiry():
    task = PeriodicTask.objects.get(name="health: mark abandoned runs")
    assert task.task == "health.mark_abandoned"
    crontab = task.crontab
    assert (crontab.minute, crontab.hour, crontab.day_of_week) == ("*/10", "*", "*")
    assert str(crontab.timezone) == "America/Toronto"
    assert task.expire_seconds == 9 * 60
    assert task.enabled


def test_health_expects_it_on_its_beat_entry_not_a_second_copy_of_the_schedule():
    spec = {s.name: s for s in registry.jobs()}["health.mark_abandoned"]
    assert spec.every is None
    schedule = schedule_for(spec, beat_schedules()[spec.name])
    assert schedule.described == "crontab */10 * * * * (America/Toronto)"


def test_the_task_abandons_a_run_stuck_past_its_max_runtime_and_frees_its_lock(settings, monkeypatch):
    stuck = JobRunFactory(
        job="tests.hung",
        status="running",
        started_at=timezone.now() - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60),
    )
    # A lock another process can free (Redis in production; the cache here). A PostgreSQL
    # advisory lock belongs to its session: it is freed when the hung process's session ends.
    monkeypatch.setattr(locks, "_backend", lambda: "cache")
    with job_lock("tests.hung") as held:
        assert held and locks.is_held("tests.hung")
        result = mark_abandoned_runs.apply().get()
        assert not locks.is_held("tests.hung")
    stuck.refresh_from_db()
    assert stuck.status == "abandoned"
    assert result["stuck"] == 1
