"""etl's read API: counted orders, daily metrics by period and channel, source freshness."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from etl.models import Channel, DailyMetric, Order
from etl.selectors import counted_orders, daily_metrics, source_freshness
from health.models import JobRun
from tests.factories import JobRunFactory
from tests.metrics.factories import OrderFactory, at

pytestmark = pytest.mark.django_db


def make_orders():
    day = date(2025, 3, 10)
    return {
        "counted": OrderFactory(created_at=at(day)),
        "test": OrderFactory(created_at=at(day), test=True),
        "deleted": OrderFactory(created_at=at(day), deleted_at=at(day, 13)),
        "cancelled": OrderFactory(created_at=at(day), cancelled_at=at(day, 14)),
        "earlier": OrderFactory(created_at=at(day - timedelta(days=3))),
    }


def test_counted_orders_leave_out_test_deleted_and_cancelled_ones():
    orders = make_orders()
    assert set(Order.objects.counted()) == {orders["counted"], orders["earlier"]}
    assert list(counted_orders(at(date(2025, 3, 9)))) == [orders["counted"]]


def test_the_order_says_why_it_is_excluded_by_the_same_rule():
    orders = make_orders()
    counted = set(Order.objects.counted())
    for name, order in orders.items():
        assert order.excluded_because == ("" if name in {"counted", "earlier"} else name)
        assert (order in counted) == (order.excluded_because == "")


def test_daily_metrics_are_the_channels_rows_of_the_period():
    for day in (date(2025, 3, 1), date(2025, 3, 2), date(2025, 3, 3)):
        for channel in (Channel.ALL, Channel.META):
            DailyMetric.objects.create(date=day, channel=channel)
    rows = daily_metrics(date(2025, 3, 2), date(2025, 3, 4), Channel.META)
    assert sorted((row.date, row.channel) for row in rows) == [
        (date(2025, 3, 2), Channel.META),
        (date(2025, 3, 3), Channel.META),
    ]
    assert {row.channel for row in daily_metrics(date(2025, 3, 1), date(2025, 3, 4))} == {Channel.ALL}


def test_source_freshness_gives_each_sources_last_success_and_failure():
    now = timezone.now()
    JobRunFactory(job="etl.pull_meta", status=JobRun.Status.SUCCEEDED, finished_at=now - timedelta(hours=5))
    JobRunFactory(job="etl.pull_meta", status=JobRun.Status.FAILED, finished_at=now - timedelta(hours=1))
    by_key = {row.key: row for row in source_freshness()}
    assert by_key["meta"].last_success == now - timedelta(hours=5)
    assert by_key["meta"].last_failure == now - timedelta(hours=1)
    assert by_key["meta"].failing
    assert by_key["shopify"].last_success is None
