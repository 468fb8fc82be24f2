"""The frequent sweep of abandoned runs: a job task on a beat entry every 10 minutes."""

from datetime import timedelta

import pytest
from django_celery_beat.models import PeriodicTask

from health import registry
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


def test_health_watches_it_as_a_ten_minute_job():
    spec = {s.name: s for s in registry.jobs()}["health.mark_abandoned"]
    assert spec.every == timedelta(minutes=10)
