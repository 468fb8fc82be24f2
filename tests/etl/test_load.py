"""The loader on its own: upserts, removed children, repeated keys, all-or-nothing batches.

Order tests run through both strategies: "orm" (bulk_create) everywhere and "copy"
(COPY + merge) with DATABASE_URL set to PostgreSQL, as in CI, so neither path rots.
"""

import dataclasses
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from etl.connectors.records import AccountRecord, InsightRecord, LineRecord, OrderRecord, RefundRecord
from etl.load import load_insights, load_orders, save_account, save_cursor
from etl.models import AdInsightDaily, Order, OrderLine, Refund, SyncState
from tests.services import require_postgres

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


def test_it_upserts_orders_with_lines_and_refunds_and_running_it_again_changes_nothing(load_strategy):
    load_orders(SHOP, [order(1, refunds=[7]), order(2)], strategy=load_strategy)
    first = list(Order.objects.values_list("external_id", "total", "customer_key").order_by("external_id"))
    load_orders(SHOP, [order(1, refunds=[7]), order(2)], strategy=load_strategy)
    assert (
        list(Order.objects.values_list("external_id", "total", "customer_key").order_by("external_id"))
        == first
    )
    assert (Order.objects.count(), OrderLine.objects.count(), Refund.objects.count()) == (2, 4, 1)


def test_it_updates_an_order_in_place(load_strategy):
    load_orders(SHOP, [order(1)], strategy=load_strategy)
    pk = Order.objects.get().pk
    load_orders(
        SHOP, [order(1, updated=T0 + timedelta(hours=1), total="45.00", refunds=[9])], strategy=load_strategy
    )
    saved = Order.objects.get()
    assert (saved.pk, saved.total, saved.refunds.count()) == (pk, Decimal("45.00"), 1)


def test_it_removes_a_line_the_order_no_longer_has(load_strategy):
    load_orders(SHOP, [order(1, lines=(1, 2, 3))], strategy=load_strategy)
    load_orders(SHOP, [order(1, lines=(1, 3))], strategy=load_strategy)
    assert sorted(OrderLine.objects.values_list("external_id", flat=True)) == [1, 3]


def test_the_later_update_wins_when_an_order_appears_twice_in_a_batch(load_strategy):
    later = order(1, updated=T0 + timedelta(minutes=5), total="60.00")
    load_orders(SHOP, [later, order(1)], strategy=load_strategy)
    assert Order.objects.get().total == Decimal("60.00")


def test_it_leaves_the_first_order_flag_to_the_metrics_step(load_strategy):
    load_orders(SHOP, [order(1)], strategy=load_strategy)
    Order.objects.update(first_order=True)
    load_orders(SHOP, [order(1, total="51.00")], strategy=load_strategy)
    assert Order.objects.get().first_order is True


def test_a_batch_that_fails_writes_nothing(load_strategy):
    bad = dataclasses.replace(order(2), created_at=None)
    with pytest.raises(IntegrityError):
        load_orders(SHOP, [order(1), bad], strategy=load_strategy)
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


def test_an_order_whose_lines_are_all_removed_loses_them_in_a_batch_without_children(load_strategy):
    load_orders(SHOP, [order(1, refunds=[7]), order(2)], strategy=load_strategy)
    load_orders(SHOP, [order(1, lines=()), order(2, lines=())], strategy=load_strategy)
    assert (Order.objects.count(), OrderLine.objects.count(), Refund.objects.count()) == (2, 0, 0)


def test_a_failed_batch_leaves_the_rows_and_the_cursor_of_the_last_committed_one(load_strategy):
    with transaction.atomic():
        load_orders(SHOP, [order(1)], strategy=load_strategy)
        save_cursor("shopify", SHOP, "2026-03-08T06:30:00+00:00")
    bad = dataclasses.replace(order(3), created_at=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        load_orders(SHOP, [order(1, total="99.00", lines=(1,)), order(2), bad], strategy=load_strategy)
        save_cursor("shopify", SHOP, "2026-03-09T06:30:00+00:00")
    assert SyncState.objects.get().cursor == "2026-03-08T06:30:00+00:00"
    assert list(Order.objects.values_list("external_id", "total")) == [(1, Decimal("50.00"))]
    assert sorted(OrderLine.objects.values_list("external_id", flat=True)) == [1, 2]


def test_an_unknown_strategy_is_refused_naming_it_and_writes_nothing():
    with pytest.raises(ValueError, match=r"^unknown loader strategy 'merge': use one of copy, orm$"):
        load_orders(SHOP, [order(1)], strategy="merge")
    assert not Order.objects.exists()


def test_copy_is_refused_on_a_database_other_than_postgresql():
    if connection.vendor == "postgresql":
        pytest.skip("runs where the database is not PostgreSQL (make test on SQLite)")
    with pytest.raises(
        ValueError, match=r"^loader strategy 'copy' needs PostgreSQL, this database is sqlite"
    ):
        load_orders(SHOP, [order(1)], strategy="copy")
    assert not Order.objects.exists()


def every_row() -> dict:
    """Every column of every order, line and refund by natural key (pks differ between loads)."""

    def rows(model, *parent: str) -> list[tuple]:
        columns = [f.attname for f in model._meta.concrete_fields if f.name not in ("id", "order")]
        return sorted(model.objects.values_list(*parent, *columns))

    return {
        "orders": rows(Order),
        "lines": rows(OrderLine, "order__shop", "order__external_id"),
        "refunds": rows(Refund, "order__shop", "order__external_id"),
    }


def mixed_batches() -> list[list[OrderRecord]]:
    """New orders, then updates, edits, removals, repeats and newcomers, then the same again."""
    later = T0 + timedelta(hours=2)
    first = [order(n, lines=range(1, n % 4 + 1), refunds=[n] if n % 5 == 0 else ()) for n in range(1, 41)]
    first.append(dataclasses.replace(order(41), test=True, cancelled_at=T0, customer_key=""))
    second = [
        order(1, updated=later, total="45.00", lines=(1,), refunds=[9]),  # edited, refunded
        order(5, updated=later, lines=()),  # lines and refund gone
        order(7, updated=later, total="70.00"),
        order(7, total="71.00"),  # the older copy of 7 loses
        *[order(n, updated=later, lines=(1, 2, 3)) for n in range(42, 50)],  # newcomers
        dataclasses.replace(order(41, updated=later), cancelled_at=None, name="#41-restored"),
    ]
    return [first, second, second, [order(n) for n in range(3, 6)]]


def test_both_strategies_write_the_same_rows_on_postgresql():
    require_postgres(connection)
    seen = {}
    for strategy in ("copy", "orm"):
        for model in (Refund, OrderLine, Order):
            model.objects.all().delete()
        for batch in mixed_batches():
            load_orders(SHOP, batch, strategy=strategy)
        seen[strategy] = every_row()
    assert {table: len(rows) for table, rows in seen["copy"].items()} == {
        "orders": 49,
        "lines": 87,
        "refunds": 8,
    }
    assert seen["copy"] == seen["orm"]


@pytest.mark.parametrize("statement", ["merge", "on_conflict"])
def test_an_unchanged_row_gets_no_new_version_and_a_changed_one_does(settings, statement):
    require_postgres(connection)
    settings.ETL_COPY_MERGE = statement
    batch = [order(n, refunds=[n]) for n in range(1, 6)]
    load_orders(SHOP, batch, strategy="copy")

    def versions(table: str) -> dict:
        # xmin: the transaction that wrote the row version; a rewrite gives a new one.
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT id, xmin::text FROM {table}")  # noqa: S608
            return dict(cursor.fetchall())

    before = {table: versions(table) for table in ("etl_order", "etl_orderline", "etl_refund")}
    batch[2] = order(3, refunds=[3], total="99.00")
    load_orders(SHOP, batch, strategy="copy")
    after = {table: versions(table) for table in before}

    changed = Order.objects.get(external_id=3).pk
    assert {pk for pk, xmin in after["etl_order"].items() if before["etl_order"][pk] != xmin} == {changed}
    assert after["etl_orderline"] == before["etl_orderline"]
    assert after["etl_refund"] == before["etl_refund"]
    assert Order.objects.get(external_id=3).total == Decimal("99.00")


def test_orders_leave_room_on_their_pages_for_updates_that_touch_no_index():
    require_postgres(connection)
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = 'etl_order'")
        assert cursor.fetchone()[0] == ["fillfactor=70"]
