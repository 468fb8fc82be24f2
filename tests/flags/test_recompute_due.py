"""Which experiments are recomputed: one rule for the hourly task and the admin action."""

from datetime import timedelta

import pytest
from django.utils import timezone

from flags import results
from flags.models import Experiment
from tests.flags.conftest import ExperimentFactory

pytestmark = pytest.mark.django_db


def test_due_experiments_are_the_running_ones_and_those_ended_this_week():
    now = timezone.now()
    running = ExperimentFactory(status=Experiment.Status.RUNNING, started_at=now - timedelta(days=3))
    ended = ExperimentFactory(
        status=Experiment.Status.STOPPED,
        started_at=now - timedelta(days=20),
        ended_at=now - timedelta(days=2),
    )
    ExperimentFactory(
        status=Experiment.Status.STOPPED,
        started_at=now - timedelta(days=40),
        ended_at=now - timedelta(days=9),
    )
    ExperimentFactory(status=Experiment.Status.PLANNED, started_at=None)
    ExperimentFactory(status=Experiment.Status.RUNNING, started_at=now, variants=[])

    assert results.due() == [running, ended]
    assert results.due(ended.pk) == [ended]


def test_the_admin_selection_and_the_task_share_what_can_be_computed():
    never_started = ExperimentFactory(status=Experiment.Status.PLANNED, started_at=None)
    assert not results.computable(Experiment.objects.filter(pk=never_started.pk)).exists()
    assert results.due(never_started.pk) == []


def test_recompute_due_reports_progress_for_each_experiment():
    now = timezone.now()
    first = ExperimentFactory(status=Experiment.Status.RUNNING, started_at=now - timedelta(days=1))
    second = ExperimentFactory(status=Experiment.Status.RUNNING, started_at=now - timedelta(days=1))
    seen = []

    outcome = results.recompute_due(on_progress=lambda done, total, e, _: seen.append((done, total, e.key)))

    assert outcome == {"experiments": 2, "rows_written": 2}
    assert seen == [(1, 2, first.key), (2, 2, second.key)]
