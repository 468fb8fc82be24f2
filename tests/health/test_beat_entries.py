"""Every beat entry the migrations install is a job the health sweep watches."""

import pytest
from celery import current_app
from django_celery_beat.models import PeriodicTask

from health import registry

pytestmark = pytest.mark.django_db


def beat_entries() -> dict[str, str]:
    entries = dict(PeriodicTask.objects.values_list("name", "task"))
    assert entries, "the migrations installed no beat entry"
    return entries


def test_every_beat_entry_runs_a_job_registered_with_health():
    registry.autodiscover()
    watched = {spec.name for spec in registry.jobs()}
    unwatched = sorted(
        f"{name!r} runs {task}" for name, task in beat_entries().items() if task not in watched
    )
    assert unwatched == [], "register these jobs in their app's health.py"


def test_every_beat_entry_names_a_task_a_worker_knows():
    current_app.loader.import_default_modules()  # the apps' tasks.py, as a worker does
    unknown = sorted(task for task in beat_entries().values() if task not in current_app.tasks)
    assert unknown == []


def test_a_job_registered_without_every_is_run_by_beat_so_it_is_expected():
    registry.autodiscover()
    tasks = set(beat_entries().values())
    unexpected = sorted(s.name for s in registry.jobs() if s.every is None and s.name not in tasks)
    assert unexpected == [], "give these jobs every= (they have no beat entry) or a beat entry"
