"""flags' read API for the business audit: which metrics are tracked, and one metric's rate."""

from datetime import UTC, datetime, timedelta

import pytest

from flags.models import Conversion, Exposure
from flags.selectors import metric_rate, tracked_metrics
from tests.flags.conftest import running_experiment

pytestmark = pytest.mark.django_db
START = datetime(2025, 3, 1, tzinfo=UTC)
END = START + timedelta(days=7)


def convert(user: str, metric: str, when: datetime) -> None:
    Conversion.objects.create(user_key=user, metric=metric, occurred_at=when)


def test_tracked_metrics_count_conversions_in_the_window_by_metric():
    convert("u1", "signup", START)
    convert("u2", "signup", START + timedelta(days=1))
    convert("u1", "purchase", START + timedelta(days=2))
    convert("u3", "signup", END)  # the window's end is excluded
    assert tracked_metrics(START, END) == {"purchase": 1, "signup": 2}


def test_metric_rate_counts_exposed_users_and_those_of_them_who_converted():
    experiment = running_experiment()
    for user in ["u1", "u2", "u3", "u4"]:
        Exposure.objects.create(experiment=experiment, user_key=user, variant="control", exposed_at=START)
    Exposure.objects.create(experiment=experiment, user_key="late", variant="control", exposed_at=END)
    convert("u1", "signup", START + timedelta(hours=1))
    convert("u1", "signup", START + timedelta(hours=2))  # one user, counted once
    convert("u2", "signup", START + timedelta(hours=3))
    convert("stranger", "signup", START)  # never exposed
    convert("u3", "purchase", START)  # another metric
    # 4 users exposed in the window; u1 and u2 converted on signup: 2 of 4.
    assert metric_rate("signup", START, END) == (4, 2)
