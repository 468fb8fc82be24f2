"""The loader on its own: upserts, removed children, repeated keys, all-or-nothing batches.

Order tests run through both strategies: "orm" (bulk_create) everywhere and "copy"
(COPY + merge) with DATABASE_URL set to PostgreSQL, as in CI, so neither path rots.
"""

import dataclasses
import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from etl.connectors.records import AccountRecord, InsightRecord, LineRecord, OrderRecord, RefundRecord
from etl.load import load_insights, load_orders, save_account, save_cursor, source_digest
from etl.models import AdInsightDaily, FirstOrder, Order, OrderLine, Refund, SyncState
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


def test_it_leaves_the_first_orders_to_the_metrics_step(load_strategy):
    load_orders(SHOP, [order(1)], strategy=load_strategy)
    assert not FirstOrder.objects.exists()
    FirstOrder.objects.create(order=Order.objects.get())
    load_orders(SHOP, [order(1, total="51.00")], strategy=load_strategy)
    assert Order.objects.get().total == Decimal("51.00")
    assert FirstOrder.objects.filter(order=Order.objects.get()).exists()


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
        # Numbers in every form a provider may send, written over stored ones (staged as text
        # on the COPY path): an exponent, more decimals than the column keeps, a negative
        # fraction, and a line's empty cost filled in.
        dataclasses.replace(
            order(9, updated=later, lines=(1,)),
            subtotal=Decimal("1E+2"),
            discounts=Decimal("-0.0001"),
            tax=Decimal("12.34567"),
            lines=[LineRecord(1, "SKU-1", "Tee", 3, Decimal("19.995"), Decimal("0.10"), Decimal("3.3333"))],
        ),
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


def test_rewriting_every_order_of_a_fresh_load_keeps_the_new_versions_on_their_pages():
    """Room for a new version of the orders on their own page: the updates are heap-only (no index entry).

    A page is filled until half of it is used, so its last row may overrun the half and one new
    version per page find no room; a page packed fuller would send many more to other pages (at
    70 %, 18 of every 30), each with four index entries.
    """
    require_postgres(connection)

    def pages() -> dict[int, int]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT id, (ctid::text::point)[0]::int FROM etl_order")
            return dict(cursor.fetchall())

    load_orders(SHOP, [order(n, lines=()) for n in range(1, 301)], strategy="copy")
    before = pages()
    assert len(set(before.values())) > 5  # several full pages
    later = T0 + timedelta(days=2)
    load_orders(
        SHOP, [order(n, lines=(), updated=later, total="61.25") for n in range(1, 301)], strategy="copy"
    )
    after = pages()
    moved = [pk for pk, page in before.items() if after[pk] != page]
    assert len(moved) <= len(set(before.values())), f"{len(moved)} of 300 new versions left their page"
    assert set(Order.objects.values_list("total", flat=True)) == {Decimal("61.25")}


# --- the source digest ------------------------------------------------------------------------


def _other(value, spec: dataclasses.Field):
    """A value of the field's kind that differs from ``value``."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, str):
        return value + "x"
    if isinstance(value, datetime):
        return value + timedelta(microseconds=1)
    if isinstance(value, Decimal | int):
        return value + 1
    if value is None:
        return T0 if "datetime" in str(spec.type) else Decimal(0)
    raise AssertionError(f"no other value for {value!r}")


def test_the_digest_changes_with_every_field_the_loader_writes():
    """Every field of an order, of a line and of a refund moves the digest (a new field must be covered)."""
    base = order(1, lines=(1, 2), refunds=[3])
    seen = {source_digest(base)}
    for spec in dataclasses.fields(OrderRecord):
        if spec.name in ("external_id", "lines", "refunds"):  # the key; the children below
            continue
        changed = dataclasses.replace(base, **{spec.name: _other(getattr(base, spec.name), spec)})
        assert source_digest(changed) not in seen, f"order.{spec.name} is not in the digest"
        seen.add(source_digest(changed))
    for attr, kind in (("lines", LineRecord), ("refunds", RefundRecord)):
        for spec in dataclasses.fields(kind):
            child = getattr(base, attr)[0]
            edited = dataclasses.replace(child, **{spec.name: _other(getattr(child, spec.name), spec)})
            changed = dataclasses.replace(base, **{attr: [edited, *getattr(base, attr)[1:]]})
            assert source_digest(changed) not in seen, f"{attr}.{spec.name} is not in the digest"
            seen.add(source_digest(changed))
    assert source_digest(dataclasses.replace(base, lines=base.lines[:1])) not in seen
    assert source_digest(dataclasses.replace(base, refunds=[])) not in seen


def test_the_digest_tells_apart_what_python_s_hash_of_numbers_does_not():
    # hash(-1) == hash(-2) in CPython; text fields may not run into each other.
    base = order(1)
    assert source_digest(dataclasses.replace(base, subtotal=Decimal(-1))) != source_digest(
        dataclasses.replace(base, subtotal=Decimal(-2))
    )
    assert source_digest(dataclasses.replace(base, name="a", currency="bc")) != source_digest(
        dataclasses.replace(base, name="ab", currency="c")
    )


def test_the_digest_is_the_same_for_one_instant_in_two_time_zones():
    toronto = T0.astimezone(ZoneInfo("America/Toronto"))
    assert source_digest(order(1)) == source_digest(order(1, updated=toronto))


def test_the_digest_is_the_same_in_every_process():
    code = (
        "import django, json; django.setup()\n"
        "from tests.etl.test_load import order\n"
        "from etl.load import source_digest\n"
        "print(source_digest(order(7, lines=(1, 2), refunds=[3])))\n"
    )
    seen = set()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "DJANGO_SETTINGS_MODULE": "tests.settings"}
        done = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True, timeout=60
        )
        seen.add(int(done.stdout.split()[-1]))
    assert seen == {source_digest(order(7, lines=(1, 2), refunds=[3]))}


def test_a_re_pull_of_unchanged_orders_sends_nothing_but_the_lookup(load_strategy):
    batch = [order(n, lines=(1, 2), refunds=[n]) for n in range(1, 6)]
    load_orders(SHOP, batch, strategy=load_strategy)
    with CaptureQueriesContext(connection) as queries:
        written = load_orders(SHOP, batch, strategy=load_strategy)
    statements = [q["sql"].split()[0].upper() for q in queries.captured_queries]
    assert written == 0
    assert "SELECT" in statements  # the lookup, shown like any other query
    assert not {"INSERT", "UPDATE", "DELETE", "MERGE", "CREATE"} & set(statements), statements


def test_an_order_loaded_before_digests_were_kept_is_compared_in_full_once(load_strategy):
    load_orders(SHOP, [order(1, refunds=[7])], strategy=load_strategy)
    digest = Order.objects.get().source_digest
    Order.objects.update(source_digest=None)
    # The order (for its digest), its 2 lines and its refund are sent and compared in the database.
    assert load_orders(SHOP, [order(1, refunds=[7])], strategy=load_strategy) == 4
    assert Order.objects.get().source_digest == digest
    assert load_orders(SHOP, [order(1, refunds=[7])], strategy=load_strategy) == 0


def test_a_re_pulled_insight_row_equal_to_the_stored_one_is_not_written_again():
    require_postgres(connection)
    account = save_account(AccountRecord("meta", "act_1", "Acme", "CAD", "America/Toronto"))
    day = date(2026, 3, 8)
    rows = [
        InsightRecord(c, f"Campaign {c}", day, Decimal("10.50"), 100, 5, Decimal(1), Decimal("30.00"))
        for c in ("1", "2")
    ]
    assert load_insights(account, rows, day, day) == 2

    def versions() -> dict:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT c.external_id, i.xmin::text FROM etl_adinsightdaily i "
                "JOIN etl_campaign c ON c.id = i.campaign_id"
            )
            return dict(cursor.fetchall())

    before = versions()
    fetched = dict(AdInsightDaily.objects.values_list("campaign__external_id", "fetched_at"))
    restated = [rows[0], dataclasses.replace(rows[1], spend=Decimal("11.00"))]
    assert load_insights(account, restated, day, day) == 1
    after = versions()
    assert after["1"] == before["1"] and after["2"] != before["2"]
    now = dict(AdInsightDaily.objects.values_list("campaign__external_id", "fetched_at"))
    assert now["1"] == fetched["1"] and now["2"] > fetched["2"]
    assert load_insights(account, restated, day, day) == 0
