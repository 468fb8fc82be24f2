"""flags' read API: flags, experiments and their results."""

import pytest

from flags.models import Experiment, ExperimentResult
from flags.selectors import experiments, flags, results
from tests.flags.conftest import ExperimentFactory, FlagFactory, running_experiment

pytestmark = pytest.mark.django_db


def test_flags_by_key():
    FlagFactory(key="b-flag")
    FlagFactory(key="a-flag")
    assert [flag.key for flag in flags()] == ["a-flag", "b-flag"]


def test_experiments_by_status_and_their_results():
    running = running_experiment()
    ExperimentFactory(key="an-idea", status=Experiment.Status.IDEA)
    ExperimentResult.objects.create(experiment=running, metric="purchase", variant="treatment", users=10)
    ExperimentResult.objects.create(experiment=running, metric="purchase", variant="control", users=12)

    assert list(experiments(Experiment.Status.RUNNING)) == [running]
    assert [e.key for e in experiments()] == ["an-idea", "checkout-copy"]
    assert [(r.variant, r.users) for r in results(running)] == [("control", 12), ("treatment", 10)]
