"""The admin shows stored numbers as people read them (bizops.core.admin_numbers)."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from etl.models import DailyMetric, FxRate, Order, SyncState
from tests.factories import JobRunFactory

pytestmark = pytest.mark.django_db


def cells(page: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", page, re.S)]


def readonly(page: str) -> list[str]:
    return [
        re.sub(r"<[^>]+>", "", c).strip()
        for c in re.findall(r'<div class="readonly">(.*?)</div>', page, re.S)
    ]


def test_a_daily_metric_lists_money_ratios_and_shares_formatted(admin_client):
    DailyMetric.objects.create(
        date=dt.date(2026, 11, 2), channel="all", currency="USD", spend=Decimal("6116.6200"),
        net_sales=Decimal("25690.4100"), blended_roas=Decimal("4.2000"), mer=Decimal("4.2001"),
        blended_cac=Decimal("58.1500"), refund_rate=Decimal("0.016796"), orders=1234,
    )  # fmt: skip
    page = admin_client.get(reverse("admin:etl_dailymetric_changelist")).content.decode()
    shown = cells(page)
    assert {"6,116.62", "25,690.41", "4.20", "58.15"} <= set(shown)
    assert "6116.6200" not in page

    metric = DailyMetric.objects.get()
    detail = readonly(
        admin_client.get(reverse("admin:etl_dailymetric_change", args=[metric.pk])).content.decode()
    )
    assert {"6,116.62", "25,690.41", "1.7 %", "4.20"} <= set(detail)
    assert not any(re.fullmatch(r"-?\d+\.\d{3,}", value) for value in detail), detail


def test_an_orders_page_shows_its_money_to_the_cent(admin_client):
    now = dt.datetime(2026, 11, 2, 15, tzinfo=dt.UTC)
    order = Order.objects.create(
        shop="s.myshopify.com", external_id=1, name="#1001", created_at=now, updated_at=now, currency="USD",
        subtotal=Decimal("1234.5000"), total=Decimal("1311.8500"), current_total=Decimal("1311.8500"),
    )  # fmt: skip
    listing = cells(admin_client.get(reverse("admin:etl_order_changelist")).content.decode())
    assert listing.count("1,311.85") == 2
    detail = readonly(admin_client.get(reverse("admin:etl_order_change", args=[order.pk])).content.decode())
    assert {"1,234.50", "1,311.85", "0.00"} <= set(detail)


def test_an_fx_rate_keeps_its_input_in_the_list_and_reads_without_padding_elsewhere(admin_client):
    rate = FxRate.objects.create(day=dt.date(2026, 11, 2), currency="EUR", rate=Decimal("1.08950400"))
    listing = admin_client.get(reverse("admin:etl_fxrate_changelist")).content.decode()
    assert 'value="1.08950400"' in listing  # list_editable: the input holds the stored value
    assert str(rate) == "EUR 2026-11-02: 1.089504"


def test_a_shopify_cursor_reads_in_the_reporting_time_zone_and_a_day_cursor_as_it_is(admin_client):
    SyncState.objects.create(source="shopify", account="s.myshopify.com", cursor="2026-11-30T04:15:38+00:00")
    SyncState.objects.create(source="meta", account="act_1", cursor="2026-11-29")
    listing = cells(admin_client.get(reverse("admin:etl_syncstate_changelist")).content.decode())
    assert "2026-11-29 23:15:38" in listing  # 04:15 UTC is 23:15 the evening before in Toronto
    assert "2026-11-29" in listing
    assert not any("+00:00" in cell for cell in listing)


def test_a_job_runs_page_reads_its_duration_and_rows_plainly(admin_client):
    run = JobRunFactory(
        duration=dt.timedelta(seconds=1, microseconds=172553), rows_read=12345, rows_written=0
    )
    detail = readonly(admin_client.get(reverse("admin:health_jobrun_change", args=[run.pk])).content.decode())
    assert "1.2 s" in detail and "12,345" in detail
    assert not any(re.search(r"\d:\d\d:\d\d\.\d", value) for value in detail), detail
