"""Source rows for the metrics tests: small, explicit, in the reporting time zone."""

from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import factory

from etl.models import AdAccount, AdInsightDaily, Campaign, FxRate, Order, OrderLine, Refund

TORONTO = ZoneInfo("America/Toronto")


def at(day: date, hour: int = 12, minute: int = 0) -> datetime:
    """An aware instant on a Toronto wall clock."""
    return datetime.combine(day, time(hour, minute), tzinfo=TORONTO)


class AdAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AdAccount
        django_get_or_create = ["platform", "external_id"]

    platform = "meta"
    external_id = factory.Sequence(lambda n: f"act_{1000 + n}")
    name = factory.Sequence(lambda n: f"Account {n}")
    currency = "USD"
    timezone = "America/Toronto"


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campaign

    account = factory.SubFactory(AdAccountFactory)
    external_id = factory.Sequence(lambda n: str(23850000000 + n))
    name = factory.Sequence(lambda n: f"Campaign {n}")


class InsightFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AdInsightDaily

    campaign = factory.SubFactory(CampaignFactory)
    account = factory.SelfAttribute("campaign.account")
    platform = factory.SelfAttribute("account.platform")
    currency = factory.SelfAttribute("account.currency")
    date = date(2025, 3, 10)
    spend = Decimal("100.00")
    impressions = 10000
    clicks = 200
    conversions = Decimal(4)
    conversion_value = Decimal("300.00")


class OrderFactory(factory.django.DjangoModelFactory):
    """An order with no lines; pass ``lines=[(price, quantity, unit_cost), ...]`` for some."""

    class Meta:
        model = Order
        skip_postgeneration_save = True

    shop = "demo-store.myshopify.com"
    external_id = factory.Sequence(lambda n: 5000000000 + n)
    name = factory.Sequence(lambda n: f"#{1001 + n}")
    created_at = factory.LazyFunction(lambda: at(date(2025, 3, 10)))
    updated_at = factory.SelfAttribute("created_at")
    processed_at = factory.SelfAttribute("created_at")
    currency = "USD"
    customer_key = factory.Sequence(lambda n: f"customer:{700 + n}")

    @factory.post_generation
    def lines(self, create, extracted, **kwargs):
        for n, (price, quantity, unit_cost) in enumerate(extracted or []):
            OrderLine.objects.create(
                order=self,
                external_id=self.external_id * 10 + n,
                quantity=quantity,
                price=Decimal(price),
                unit_cost=None if unit_cost is None else Decimal(unit_cost),
            )


class RefundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Refund

    order = factory.SubFactory(OrderFactory)
    external_id = factory.Sequence(lambda n: 900000 + n)
    created_at = factory.LazyFunction(lambda: at(date(2025, 3, 12)))
    amount = Decimal("10.00")
    returns_amount = Decimal("10.00")


class FxRateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FxRate
        django_get_or_create = ["day", "currency"]

    day = date(2025, 3, 10)
    currency = "CAD"
    rate = Decimal("0.70000000")
