"""etl.metrics.compute: DailyMetric rows from insights and orders."""

from datetime import date
from decimal import Decimal

import pytest

from etl.metrics import MissingFxRate, compute
from etl.models import DailyMetric, FirstOrder, Order
from tests.metrics.factories import (
    AdAccountFactory,
    CampaignFactory,
    FxRateFactory,
    InsightFactory,
    OrderFactory,
    RefundFactory,
    at,
)

pytestmark = pytest.mark.django_db
DAY = date(2025, 3, 10)


def row(day: date, channel: str = "all") -> DailyMetric:
    return DailyMetric.objects.get(date=day, channel=channel)


def test_it_writes_a_row_for_every_day_and_channel_with_zero_spend_on_empty_days():
    InsightFactory(date=DAY)
    compute(date(2025, 3, 9), date(2025, 3, 11))
    assert DailyMetric.objects.count() == 3 * 4
    empty = row(date(2025, 3, 9), "meta")
    assert (empty.spend, empty.impressions, empty.clicks) == (Decimal(0), 0, 0)
    assert (empty.ctr, empty.cpc, empty.cpm, empty.channel_roas) == (None, None, None, None)
    assert row(date(2025, 3, 9)).orders == 0
    assert row(date(2025, 3, 9)).aov is None


def test_it_fills_the_advertising_fields_of_each_platform():
    InsightFactory(
        date=DAY, spend=Decimal("50.00"), impressions=20000, clicks=400, conversion_value=Decimal(200)
    )
    InsightFactory(
        date=DAY, spend=Decimal("30.00"), impressions=5000, clicks=100, conversion_value=Decimal(40)
    )
    compute(DAY, DAY)
    meta = row(DAY, "meta")
    assert (meta.spend, meta.impressions, meta.clicks) == (Decimal("80.0000"), 25000, 500)
    assert meta.ctr == Decimal("0.020000")
    assert meta.cpc == Decimal("0.1600")
    assert meta.cpm == Decimal("3.2000")
    assert meta.platform_conversions == Decimal(8)
    assert meta.channel_roas == Decimal("3.0000")
    assert row(DAY, "tiktok").spend == 0


def test_it_converts_spend_at_the_days_rate_and_keeps_the_rate_on_the_row():
    cad = CampaignFactory(account=AdAccountFactory(platform="tiktok", external_id="7001", currency="CAD"))
    InsightFactory(campaign=cad, date=DAY, spend=Decimal("100.00"), conversion_value=Decimal("250.00"))
    InsightFactory(date=DAY, spend=Decimal("10.00"))
    FxRateFactory(day=DAY, currency="CAD", rate=Decimal("0.72"))
    FxRateFactory(day=date(2025, 3, 11), currency="CAD", rate=Decimal("0.99"))
    compute(DAY, DAY)
    tiktok = row(DAY, "tiktok")
    assert tiktok.spend == Decimal("72.0000")
    assert tiktok.platform_conversion_value == Decimal("180.0000")
    assert tiktok.fx_rates == {"CAD": "0.72000000"}
    assert row(DAY).spend == Decimal("82.0000")
    assert row(DAY).fx_rates == {"CAD": "0.72000000", "USD": "1"}


def test_it_stops_on_a_missing_rate_naming_the_currency_and_day_and_writes_nothing():
    cad = CampaignFactory(account=AdAccountFactory(platform="tiktok", external_id="7002", currency="CAD"))
    InsightFactory(campaign=cad, date=date(2025, 3, 11))
    FxRateFactory(day=DAY, currency="CAD")
    OrderFactory(created_at=at(DAY), customer_key="customer:1")
    DailyMetric.objects.create(date=DAY, channel="all", currency="USD", orders=99)
    with pytest.raises(
        MissingFxRate, match=r"^no FX rate for CAD on 2025-03-11; add it under ETL > FX rates"
    ):
        compute(DAY, date(2025, 3, 11))
    assert list(DailyMetric.objects.values_list("date", "channel", "orders")) == [(DAY, "all", 99)]
    assert not FirstOrder.objects.exists()  # the first orders were rolled back too


def test_it_counts_an_order_on_its_reporting_day_not_its_utc_day():
    # 23:30 in Toronto on the 10th is 03:30 UTC on the 11th.
    OrderFactory(created_at=at(DAY, 23, 30), lines=[("40.00", 1, None)])
    compute(DAY, date(2025, 3, 11))
    assert (row(DAY).orders, row(date(2025, 3, 11)).orders) == (1, 0)


def test_it_gives_a_25_hour_dst_day_all_its_orders():
    fall_back = date(2024, 11, 3)  # clocks go back at 02:00: a 25-hour day
    OrderFactory(created_at=at(fall_back, 0, 10))
    OrderFactory(created_at=at(fall_back, 23, 50))
    OrderFactory(created_at=at(date(2024, 11, 4), 0, 5))
    compute(fall_back, date(2024, 11, 4))
    assert (row(fall_back).orders, row(date(2024, 11, 4)).orders) == (2, 1)


def test_it_leaves_test_deleted_and_cancelled_orders_and_their_refunds_out():
    kept = OrderFactory(created_at=at(DAY), lines=[("50.00", 2, None)])
    for flags in ({"test": True}, {"deleted_at": at(DAY, 18)}, {"cancelled_at": at(DAY, 19)}):
        excluded = OrderFactory(created_at=at(DAY), lines=[("999.00", 1, None)], **flags)
        RefundFactory(order=excluded, created_at=at(DAY, 20), amount=Decimal(999))
    RefundFactory(order=kept, created_at=at(DAY, 21), amount=Decimal(5), returns_amount=Decimal(5))
    compute(DAY, DAY)
    assert (row(DAY).orders, row(DAY).gross_sales, row(DAY).returns) == (1, Decimal(100), Decimal(5))


def test_it_books_returns_on_the_day_the_refund_was_processed():
    order = OrderFactory(created_at=at(DAY), lines=[("80.00", 1, None)])
    RefundFactory(
        order=order, created_at=at(date(2025, 3, 14), 9), amount=Decimal(30), returns_amount=Decimal(25)
    )
    compute(DAY, date(2025, 3, 14))
    assert row(DAY).returns == 0
    assert row(date(2025, 3, 14)).returns == Decimal(25)
    assert row(date(2025, 3, 14)).net_sales == Decimal(-25)


def test_it_computes_the_sales_lines_and_aov():
    OrderFactory(
        created_at=at(DAY),
        lines=[("60.00", 2, None), ("30.00", 1, None)],
        discounts=Decimal(15),
        shipping=Decimal(8),
        tax=Decimal(13),
    )
    paid = OrderFactory(created_at=at(date(2025, 3, 1)), lines=[("20.00", 1, None)])
    OrderFactory(created_at=at(DAY), lines=[("45.00", 1, None)], shipping=Decimal(5), tax=Decimal(6))
    # A refund of 22: 20 of goods, 2 of shipping and tax.
    RefundFactory(order=paid, created_at=at(DAY, 15), amount=Decimal(22), returns_amount=Decimal(20))
    compute(DAY, DAY)
    r = row(DAY)
    assert (r.orders, r.gross_sales, r.discounts, r.returns) == (2, Decimal(195), Decimal(15), Decimal(20))
    assert r.net_sales == Decimal(160)  # 195 - 15 - 20
    assert r.total_sales == Decimal(190)  # 160 + 13 shipping + 19 tax - 2 refunded beyond goods
    assert r.aov == Decimal(80)
    assert r.refund_rate == Decimal("0.102564")  # 20 / 195


def test_it_counts_a_refund_without_a_goods_breakdown_whole_as_returns():
    order = OrderFactory(created_at=at(date(2025, 3, 1)), lines=[("20.00", 1, None)])
    RefundFactory(order=order, created_at=at(DAY), amount=Decimal(12), returns_amount=None)
    compute(DAY, DAY)
    assert row(DAY).returns == Decimal(12)


def test_it_counts_new_customers_by_first_valid_order_with_guests_keyed_by_email():
    OrderFactory(created_at=at(date(2025, 2, 1)), customer_key="customer:1")
    OrderFactory(created_at=at(DAY, 9), customer_key="customer:1")  # returning
    OrderFactory(created_at=at(DAY, 10), customer_key="email:ann@example.com")  # new guest
    OrderFactory(created_at=at(DAY, 11), customer_key="email:ann@example.com")  # same guest again
    OrderFactory(created_at=at(DAY, 12), customer_key="customer:2")  # new
    OrderFactory(created_at=at(DAY, 13), customer_key="")  # unknown: never new
    compute(DAY, DAY)
    assert row(DAY).new_customers == 2
    assert row(DAY).orders == 5


def test_it_hands_the_first_order_on_when_the_first_one_is_cancelled():
    first = OrderFactory(created_at=at(date(2025, 3, 1)), customer_key="customer:9")
    compute(date(2025, 3, 1), DAY)
    assert FirstOrder.objects.filter(order=first).exists()
    second = OrderFactory(created_at=at(DAY), customer_key="customer:9")
    Order.objects.filter(pk=first.pk).update(cancelled_at=at(date(2025, 3, 2)))
    compute(date(2025, 3, 1), DAY)
    assert not FirstOrder.objects.filter(order=first).exists()
    assert FirstOrder.objects.filter(order=second).exists()
    assert (row(date(2025, 3, 1)).new_customers, row(DAY).new_customers) == (0, 1)


def test_it_gives_blended_ratios_from_all_spend_and_net_sales():
    InsightFactory(date=DAY, spend=Decimal(40))
    InsightFactory(
        date=DAY, spend=Decimal(60), campaign=CampaignFactory(account=AdAccountFactory(platform="tiktok"))
    )
    OrderFactory(created_at=at(DAY), lines=[("250.00", 1, None)], shipping=Decimal(10), tax=Decimal(40))
    OrderFactory(created_at=at(DAY), lines=[("50.00", 1, None)])
    compute(DAY, DAY)
    r = row(DAY)
    assert r.spend == Decimal(100)
    assert r.blended_roas == Decimal(3)  # 300 / 100
    assert r.mer == Decimal("3.5")  # 350 / 100
    assert r.blended_cac == Decimal(50)  # 100 / 2 new customers
    assert r.channel_roas is None  # never summed across platforms


def test_it_leaves_ratios_over_zero_empty_never_zero():
    OrderFactory(created_at=at(DAY), lines=[("50.00", 1, None)], customer_key="")
    compute(DAY, DAY)
    r = row(DAY)
    assert (r.blended_roas, r.mer, r.blended_cac, r.cpc, r.ctr) == (None, None, None, None, None)
    assert r.aov == Decimal(50)


def test_it_computes_margins_with_recorded_costs_and_the_default_margin(settings):
    settings.METRICS_DEFAULT_GROSS_MARGIN = Decimal("0.60")
    InsightFactory(date=DAY, spend=Decimal(30))
    # 100 of sales with a cost of 40 recorded, 100 without (cost estimated at 40%).
    OrderFactory(created_at=at(DAY), lines=[("50.00", 2, "20.00"), ("100.00", 1, None)])
    compute(DAY, DAY)
    r = row(DAY)
    assert r.cogs == Decimal(80)
    assert r.cogs_coverage == Decimal("0.5")
    assert r.cm1 == Decimal(120)
    assert r.cm3 == Decimal(90)
    assert r.breakeven_roas == Decimal("1.6667")  # 200 / 120


def test_it_has_no_breakeven_roas_when_the_margin_is_not_positive(settings):
    settings.METRICS_DEFAULT_GROSS_MARGIN = Decimal(0)
    OrderFactory(created_at=at(DAY), lines=[("100.00", 1, None)])
    compute(DAY, DAY)
    assert (row(DAY).cm1, row(DAY).breakeven_roas) == (Decimal(0), None)


def test_running_it_twice_gives_the_same_rows():
    InsightFactory(date=DAY)
    order = OrderFactory(created_at=at(DAY), lines=[("70.00", 1, "30.00")])
    RefundFactory(order=order, created_at=at(DAY, 18))
    fields = [f.name for f in DailyMetric._meta.fields if f.name not in {"id", "computed_at"}]
    compute(date(2025, 3, 8), DAY)
    first = list(DailyMetric.objects.order_by("date", "channel").values(*fields))
    compute(date(2025, 3, 8), DAY)
    assert list(DailyMetric.objects.order_by("date", "channel").values(*fields)) == first
    assert DailyMetric.objects.count() == 3 * 4


def test_it_replaces_only_the_rows_of_its_range():
    DailyMetric.objects.create(date=date(2025, 3, 1), channel="all", currency="USD", orders=7)
    compute(DAY, DAY)
    assert row(date(2025, 3, 1)).orders == 7


def test_it_notes_ad_accounts_whose_days_are_not_reporting_days():
    account = AdAccountFactory(platform="tiktok", external_id="7003", name="EU", timezone="Europe/London")
    InsightFactory(campaign=CampaignFactory(account=account), date=DAY)
    result = compute(DAY, DAY)
    assert result.notes == [
        "TikTok EU reports days in Europe/London, not America/Toronto: its days are used as reporting days"
    ]


def test_it_refuses_a_range_that_ends_before_it_starts():
    with pytest.raises(ValueError, match=r"since \(2025-03-10\) is after until \(2025-03-09\)"):
        compute(DAY, date(2025, 3, 9))
