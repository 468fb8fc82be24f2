"""The loader on its own: upserts, removed children, repeated keys, all-or-nothing batches.

These run on SQLite (bulk_create) and, with DATABASE_URL set, on PostgreSQL (COPY + merge).
"""

import dataclasses
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError

from etl.connectors.records import AccountRecord, InsightRecord, LineRecord, OrderRecord, RefundRecord
from etl.load import load_insights, load_orders, save_account
from etl.models import AdInsightDaily, Order, OrderLine, Refund

pytestmark = pytest.mark.django_db
SHOP = "acme.myshopify.com"
T0 = datetime(2026, 3, 8, 6, 30, tzinfo=UTC)  # the night clocks change in Toronto


def order(number: int, *, updated: datetime = T0, lines=(1, 2), refunds=(), total="50.00") -> OrderRecord:
    return OrderRecord(
        external_id=number, name=f"#{number}", created_at=T0, processed_at=T0, updated_at=updated,
        cancelled_at=None, test=False, currency="CAD", subtotal=Decimal("40.00"), discounts=Decimal(0),
        tax=Decimal("5.20"), shipping=Decimal("4.80"), total=Decimal(total), current_total=Decimal(total),
        customer_key=f"customer:{number}",
        lines=[LineRecord(n, f"SKU-{n}", "Tee", 1, Decimal("20.00"), Decimal(0), None) for n in lines],
        refunds=[RefundRecord(n, T0 + timedelta(days=3), Decimal("10.00"), Decimal("8.85")) for n in refunds],
    )  # fmt: skip


def test_it_upserts_orders_with_lines_and_refunds_and_running_it_again_changes_nothing():
    load_orders(SHOP, [order(1, refunds=[7]), order(2)])
    first = list(Order.objects.values_list("external_id", "total", "customer_key").order_by("external_id"))
    load_orders(SHOP, [order(1, refunds=[7]), order(2)])
    assert (
        list(Order.objects.values_list("external_id", "total", "customer_key").order_by("external_id"))
        == first
    )
    assert (Order.objects.count(), OrderLine.objects.count(), Refund.objects.count()) == (2, 4, 1)


def test_it_updates_an_order_in_place():
    load_orders(SHOP, [order(1)])
    pk = Order.objects.get().pk
    load_orders(SHOP, [order(1, updated=T0 + timedelta(hours=1), total="45.00", refunds=[9])])
    saved = Order.objects.get()
    assert (saved.pk, saved.total, saved.refunds.count()) == (pk, Decimal("45.00"), 1)


def test_it_removes_a_line_the_order_no_longer_has():
    load_orders(SHOP, [order(1, lines=(1, 2, 3))])
    load_orders(SHOP, [order(1, lines=(1, 3))])
    assert sorted(OrderLine.objects.values_list("external_id", flat=True)) == [1, 3]


def test_the_later_update_wins_when_an_order_appears_twice_in_a_batch():
    later = order(1, updated=T0 + timedelta(minutes=5), total="60.00")
    load_orders(SHOP, [later, order(1)])
    assert Order.objects.get().total == Decimal("60.00")


def test_it_leaves_the_first_order_flag_to_the_metrics_step():
    load_orders(SHOP, [order(1)])
    Order.objects.update(first_order=True)
    load_orders(SHOP, [order(1, total="51.00")])
    assert Order.objects.get().first_order is True


def test_a_batch_that_fails_writes_nothing():
    bad = dataclasses.replace(order(2), created_at=None)
    with pytest.raises(IntegrityError):
        load_orders(SHOP, [order(1), bad])
    assert not Order.objects.exists() and not OrderLine.objects.exists()


def test_it_replaces_an_ad_account_s_days_and_drops_rows_no_longer_reported():
    account = save_account(AccountRecord("meta", "act_1", "Acme", "CAD", "America/Toronto"))
    day = date(2026, 3, 8)
    rows = [
        InsightRecord(c, f"Campaign {c}", day, Decimal("10.50"), 100, 5, Decimal(1), Decimal("30.00"))
        for c in ("1", "2")
    ]
    load_insights(account, rows, day, day)
    load_insights(account, rows[:1], day, day)  # campaign 2's day was restated away
    assert list(AdInsightDaily.objects.values_list("campaign__external_id", "spend")) == [
        ("1", Decimal("10.50"))
    ]
