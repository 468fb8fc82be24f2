from datetime import date, timedelta
from decimal import Decimal

import pytest

from etl.models import DailyMetric


def metric(day: date, channel: str = "all", **values) -> DailyMetric:
    return DailyMetric.objects.create(date=day, channel=channel, currency="USD", **values)


@pytest.fixture
def daily_metrics(db):
    """30 days to 2025-03-19 and the 30 before: spend 100 a day, net sales 300 now and 200 before."""

    def make(until: date = date(2025, 3, 19)):
        for n in range(60):
            day = until - timedelta(days=n)
            net = Decimal(300) if n < 30 else Decimal(200)
            metric(
                day,
                "meta",
                spend=Decimal(60),
                impressions=6000,
                clicks=120,
                platform_conversion_value=Decimal(180),
            )
            metric(
                day,
                "tiktok",
                spend=Decimal(40),
                impressions=8000,
                clicks=80,
                platform_conversion_value=Decimal(90),
            )
            metric(day, "organic")
            metric(
                day,
                "all",
                spend=Decimal(100),
                impressions=14000,
                clicks=200,
                orders=5,
                gross_sales=net,
                discounts=Decimal(0),
                returns=Decimal(0),
                net_sales=net,
                total_sales=net + 20,
                new_customers=2,
                cogs=net / 2,
                cm1=net / 2,
                cm3=net / 2 - 100,
                cogs_coverage=Decimal(1),
                blended_roas=net / 100,
            )

    return make
