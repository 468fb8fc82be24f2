"""etl's read API for the business audit: customers' orders, exclusions, FX gaps, unnamed campaigns."""

from datetime import date
from decimal import Decimal

import pytest

from etl.selectors import customer_orders, excluded_orders, missing_fx_days, unnamed_campaigns
from tests.metrics.factories import CampaignFactory, FxRateFactory, InsightFactory, OrderFactory, at

pytestmark = pytest.mark.django_db
DAY = date(2025, 3, 10)


def test_customer_orders_stream_counted_orders_by_customer_then_time_before_the_end():
    OrderFactory(customer_key="customer:2", created_at=at(DAY, 9), subtotal=Decimal("20"))
    OrderFactory(customer_key="customer:1", created_at=at(DAY, 15), subtotal=Decimal("30"))
    OrderFactory(customer_key="customer:1", created_at=at(DAY, 8), subtotal=Decimal("10"))
    OrderFactory(customer_key="customer:1", created_at=at(DAY, 10), test=True)
    OrderFactory(customer_key="", created_at=at(DAY, 11))
    OrderFactory(customer_key="customer:3", created_at=at(date(2025, 3, 11)))
    rows = list(customer_orders(at(date(2025, 3, 11), 0)))
    assert rows == [
        ("customer:1", at(DAY, 8), Decimal("10")),
        ("customer:1", at(DAY, 15), Decimal("30")),
        ("customer:2", at(DAY, 9), Decimal("20")),
    ]


def test_excluded_orders_count_each_order_once_under_its_reason():
    OrderFactory(created_at=at(DAY))
    OrderFactory(created_at=at(DAY), test=True, cancelled_at=at(DAY, 13))
    OrderFactory(created_at=at(DAY), deleted_at=at(DAY, 13), cancelled_at=at(DAY, 13))
    OrderFactory(created_at=at(DAY), cancelled_at=at(DAY, 14))
    OrderFactory(created_at=at(date(2025, 3, 12)), test=True)
    assert excluded_orders(DAY, DAY) == {"test": 1, "deleted": 1, "cancelled": 1}


def test_missing_fx_days_name_each_day_of_a_foreign_currency_without_a_rate(settings):
    settings.REPORTING_CURRENCY = "USD"
    OrderFactory(created_at=at(DAY), currency="CAD")
    InsightFactory(date=DAY, currency="EUR", campaign__account__currency="EUR")
    FxRateFactory(day=DAY, currency="CAD")
    FxRateFactory(day=date(2025, 3, 11), currency="EUR")
    assert missing_fx_days(DAY, date(2025, 3, 11)) == [
        ("EUR", DAY),
        ("CAD", date(2025, 3, 11)),
    ]


def test_missing_fx_days_are_none_when_everything_is_in_the_reporting_currency(settings):
    settings.REPORTING_CURRENCY = "USD"
    OrderFactory(created_at=at(DAY), currency="USD")
    assert missing_fx_days(DAY, DAY) == []


def test_unnamed_campaigns_are_those_with_spend_and_no_name():
    unnamed = CampaignFactory(name="", external_id="111")
    InsightFactory(campaign=unnamed, date=DAY, spend=Decimal("40"))
    InsightFactory(campaign=unnamed, date=date(2025, 3, 11), spend=Decimal("2"))
    InsightFactory(campaign=CampaignFactory(name="", external_id="222"), date=DAY, spend=Decimal("0"))
    InsightFactory(campaign=CampaignFactory(name="Spring"), date=DAY, spend=Decimal("90"))
    rows = unnamed_campaigns(DAY, DAY)
    assert rows == [
        {
            "id": unnamed.pk,
            "platform": "meta",
            "external_id": "111",
            "spend": Decimal("40"),
            "currency": "USD",
        }
    ]
