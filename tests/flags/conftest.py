import factory
import pytest

from flags import snapshot, tracking
from flags.models import ClientKey, Experiment, Flag
from tests.factories import UserFactory


class FlagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Flag

    key = factory.Sequence(lambda n: f"flag-{n}")
    description = "A flag."
    enabled = True
    default_value = False
    rules = factory.LazyFunction(list)


class ExperimentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Experiment

    key = factory.Sequence(lambda n: f"experiment-{n}")
    name = factory.Sequence(lambda n: f"Experiment {n}")
    hypothesis = "If we change it, more people buy."
    variants = factory.LazyFunction(
        lambda: [
            {"key": "control", "weight": 0.5, "value": False},
            {"key": "treatment", "weight": 0.5, "value": True},
        ]
    )


class ClientKeyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClientKey

    name = factory.Sequence(lambda n: f"front end {n}")


def running_experiment(flag_key: str = "checkout", key: str = "checkout-copy", **kwargs) -> Experiment:
    """A running experiment served by an enabled boolean flag's experiment rule."""
    flag = FlagFactory(key=flag_key)
    experiment = ExperimentFactory(key=key, flag=flag, status=Experiment.Status.RUNNING, **kwargs)
    flag.rules = [{"experiment": key}]
    flag.save()
    return experiment


@pytest.fixture(autouse=True)
def fresh_snapshot(settings):
    # Every evaluation checks the version, so a test sees its own writes even
    # inside the test transaction (whose on_commit hooks never run).
    settings.FLAGS_SNAPSHOT_CHECK_INTERVAL = 0
    snapshot.reset()
    tracking.forget_recent()
    yield
    snapshot.reset()
    tracking.forget_recent()


@pytest.fixture
def growth_user(db):
    return UserFactory(username="grace", groups=["Growth"])
