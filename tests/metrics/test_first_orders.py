"""etl.metrics.customers: the customers' first orders (``FirstOrder``), through both strategies.

"orm" (portable queries) runs everywhere, "sql" (one PostgreSQL statement)
with DATABASE_URL set to PostgreSQL, as in CI: the same first orders either way.
"""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from etl.metrics.customers import refresh_first_orders
from etl.models import FirstOrder, Order
from tests.metrics.factories import OrderFactory, at
from tests.services import require_postgres

pytestmark = pytest.mark.django_db
DAY = date(2025, 3, 10)


@pytest.fixture(params=["sql", "orm"])
def strategy(request) -> str:
    if request.param == "sql":
        require_postgres(connection)
    return request.param


def firsts() -> list[str]:
    return sorted(Order.objects.filter(first__isnull=False).values_list("name", flat=True))


def mark_first(orders) -> None:
    """Record ``orders`` as first orders, right or not (a stale state to correct)."""
    FirstOrder.objects.bulk_create([FirstOrder(order=order) for order in orders])


def first_ids() -> list[int]:
    return sorted(FirstOrder.objects.values_list("order_id", flat=True))


def test_it_records_each_customer_s_first_valid_order_with_guests_keyed_by_email(strategy):
    OrderFactory(name="old", created_at=at(date(2025, 2, 1)), customer_key="customer:1")
    OrderFactory(name="returning", created_at=at(DAY, 9), customer_key="customer:1")
    OrderFactory(name="guest", created_at=at(DAY, 10), customer_key="email:ann@example.com")
    OrderFactory(name="guest again", created_at=at(DAY, 11), customer_key="email:ann@example.com")
    OrderFactory(name="new", created_at=at(DAY, 12), customer_key="customer:2")
    assert refresh_first_orders(DAY, DAY, strategy=strategy) == 3
    assert firsts() == ["guest", "new", "old"]


def test_an_order_without_a_customer_key_is_never_first(strategy):
    OrderFactory(name="unknown", created_at=at(DAY), customer_key="")
    mark_first(Order.objects.all())
    assert refresh_first_orders(DAY, DAY, strategy=strategy) == 1
    assert firsts() == []


@pytest.mark.parametrize(
    "invalid", [{"test": True}, {"cancelled_at": at(DAY, 8)}, {"deleted_at": at(DAY, 8)}]
)
def test_it_hands_the_first_order_on_past_an_order_that_does_not_count(strategy, invalid):
    OrderFactory(name="first", created_at=at(DAY, 9), customer_key="customer:9")
    OrderFactory(name="second", created_at=at(DAY, 10), customer_key="customer:9")
    refresh_first_orders(DAY, DAY, strategy=strategy)
    Order.objects.filter(name="first").update(**invalid)
    assert refresh_first_orders(DAY, DAY, strategy=strategy) == 2
    assert firsts() == ["second"]


def test_a_tie_on_creation_time_goes_to_the_order_saved_first(strategy):
    OrderFactory(name="a", created_at=at(DAY, 9), customer_key="customer:3")
    OrderFactory(name="b", created_at=at(DAY, 9), customer_key="customer:3")
    refresh_first_orders(DAY, DAY, strategy=strategy)
    assert firsts() == ["a"]


def test_it_corrects_the_older_orders_of_customers_in_the_range_and_no_one_else(strategy):
    OrderFactory(name="older", created_at=at(date(2025, 1, 5)), customer_key="customer:4")
    OrderFactory(name="in range", created_at=at(DAY), customer_key="customer:4")
    OrderFactory(name="other customer", created_at=at(date(2025, 1, 6)), customer_key="customer:5")
    mark_first(Order.objects.filter(name="in range"))
    assert refresh_first_orders(DAY, DAY, strategy=strategy) == 2
    assert firsts() == ["older"]


def test_running_it_twice_changes_nothing_the_second_time(strategy):
    OrderFactory(created_at=at(DAY, 9), customer_key="customer:6")
    OrderFactory(created_at=at(DAY, 10), customer_key="customer:6")
    OrderFactory(created_at=at(DAY, 11), customer_key="")
    assert refresh_first_orders(DAY, DAY, strategy=strategy) == 1
    recorded = first_ids()
    assert refresh_first_orders(DAY, DAY, strategy=strategy) == 0
    assert first_ids() == recorded


def test_an_unknown_strategy_is_refused_naming_it_and_changes_nothing():
    OrderFactory(created_at=at(DAY), customer_key="customer:7")
    with pytest.raises(ValueError, match=r"^unknown first-order strategy 'fast': use one of sql, orm$"):
        refresh_first_orders(DAY, DAY, strategy="fast")
    assert firsts() == []


def test_sql_is_refused_on_a_database_other_than_postgresql():
    if connection.vendor == "postgresql":
        pytest.skip("runs where the database is not PostgreSQL (make test on SQLite)")
    with pytest.raises(
        ValueError, match=r"^first-order strategy 'sql' needs PostgreSQL, this database is sqlite"
    ):
        refresh_first_orders(DAY, DAY, strategy="sql")


def mixed_orders() -> None:
    """Customers and guests with test, cancelled and deleted orders, ties on creation time
    (n and n + 42 share a day, an hour and a customer), orders without a key, stale first orders."""
    for n in range(60):
        day = date(2025, 3, 1 + n % 14)
        OrderFactory(
            created_at=at(day, 8 + n % 3),
            customer_key=""
            if n % 11 == 0
            else f"customer:{n % 6}"
            if n % 2
            else f"email:{n % 5}@example.com",
            test=n % 13 == 0,
            cancelled_at=at(day, 20) if n % 7 == 0 else None,
            deleted_at=at(day, 21) if n % 19 == 0 else None,
        )
    OrderFactory(created_at=at(date(2025, 3, 5)), customer_key="customer:99", test=True)  # none valid
    mark_first(list(Order.objects.order_by("pk"))[::3])


def firsts_by_strategy(since: date, until: date) -> dict:
    """Each strategy's (rows changed, the first orders), both from the same first orders to start."""
    start = first_ids()
    seen = {}
    for strategy in ("sql", "orm"):
        FirstOrder.objects.all().delete()
        FirstOrder.objects.bulk_create([FirstOrder(order_id=pk) for pk in start])
        changed = refresh_first_orders(since, until, strategy=strategy)
        seen[strategy] = (changed, first_ids())
    return seen


def test_both_strategies_record_the_same_first_orders_on_postgresql():
    require_postgres(connection)
    for n in range(60):
        day = date(2025, 3, 1 + n % 14)
        OrderFactory(
            created_at=at(day, 8 + n % 5),
            customer_key="" if n % 11 == 0 else f"customer:{n % 17}",
            test=n % 13 == 0,
            cancelled_at=at(day, 20) if n % 7 == 0 else None,
            deleted_at=at(day, 21) if n % 19 == 0 else None,
        )
    mark_first(list(Order.objects.order_by("pk"))[::3])  # stale first orders to correct
    seen = firsts_by_strategy(DAY, date(2025, 3, 12))
    assert seen["sql"][0] > 0 and seen["sql"][1]
    assert seen["sql"] == seen["orm"]


def test_both_strategies_record_the_same_first_orders_when_the_range_holds_every_order():
    require_postgres(connection)
    mixed_orders()
    with CaptureQueriesContext(connection) as queries:
        seen = firsts_by_strategy(date(2025, 3, 1), date(2025, 3, 14))
    refreshes = [q["sql"] for q in queries.captured_queries if "WITH firsts AS" in q["sql"]]
    assert len(refreshes) == 1 and "customer_key IN (SELECT" not in refreshes[0]  # every customer: no join
    assert seen["sql"][0] > 0 and seen["sql"][1]
    assert seen["sql"] == seen["orm"]
    assert not Order.objects.filter(customer_key="customer:99", first__isnull=False).exists()


def test_both_strategies_record_the_same_first_orders_for_a_range_within_the_history():
    require_postgres(connection)
    mixed_orders()
    seen = firsts_by_strategy(date(2025, 3, 6), date(2025, 3, 8))
    assert seen["sql"][0] > 0
    assert seen["sql"] == seen["orm"]


def refresh_statements(fn) -> int:
    with CaptureQueriesContext(connection) as seen:
        fn()
    return sum(1 for q in seen.captured_queries if "WITH firsts AS" in q["sql"])


def test_a_rerun_with_no_order_written_since_skips_the_refresh_and_any_write_brings_it_back():
    require_postgres(connection)
    OrderFactory(name="first", created_at=at(DAY, 9), customer_key="customer:1")
    OrderFactory(name="second", created_at=at(DAY, 10), customer_key="customer:1")
    week = (date(2025, 3, 8), date(2025, 3, 14))
    assert refresh_statements(lambda: refresh_first_orders(*week)) == 1
    assert refresh_statements(lambda: refresh_first_orders(*week)) == 0  # nothing written since
    assert refresh_statements(lambda: refresh_first_orders(DAY, DAY)) == 0  # days it covered
    assert refresh_statements(lambda: refresh_first_orders(date(2025, 4, 1), date(2025, 4, 2))) == 1
    assert firsts() == ["first"]

    OrderFactory(name="earlier", created_at=at(date(2025, 3, 1)), customer_key="customer:1")
    assert refresh_statements(lambda: refresh_first_orders(*week)) == 1  # an order was written
    assert firsts() == ["earlier"]
    mark_first(Order.objects.filter(name="second"))  # a first order recorded by hand
    assert refresh_statements(lambda: refresh_first_orders(*week)) == 1
    assert firsts() == ["earlier"]
    Order.objects.filter(name="earlier").update(cancelled_at=at(date(2025, 3, 2)))
    refresh_first_orders(*week)
    assert firsts() == ["first"]


@pytest.mark.django_db(transaction=True)
def test_the_metrics_refresh_the_statistics_of_an_order_table_a_load_made_stale():
    from etl.metrics.compute import analyze_if_stale

    require_postgres(connection)

    def flush():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_stat_force_next_flush()")
            cursor.execute("SELECT pg_stat_clear_snapshot()")

    analyze_if_stale()
    Order.objects.bulk_create(
        OrderFactory.build(external_id=n, created_at=at(DAY), customer_key=f"customer:{n}")
        for n in range(3000)
    )
    flush()
    assert analyze_if_stale() == ["etl_order"]
    flush()
    assert analyze_if_stale() == []


@pytest.mark.django_db(transaction=True)  # autocommit: no transaction around the call
def test_the_refresh_runs_with_its_own_planner_settings_and_puts_them_back():
    require_postgres(connection)
    OrderFactory(created_at=at(DAY, 9), customer_key="customer:1")
    settings_sql = "SELECT current_setting('work_mem'), current_setting('enable_nestloop')"
    during = []

    def spy(execute, sql, params, many, context):
        if "WITH firsts AS" in sql:
            with connection.cursor() as cursor:
                cursor.execute(settings_sql)
                during.append(cursor.fetchone())
        return execute(sql, params, many, context)

    with connection.cursor() as cursor:
        cursor.execute(settings_sql)
        before = cursor.fetchone()
    with connection.execute_wrapper(spy):
        refresh_first_orders(DAY, DAY, strategy="sql")
    with connection.cursor() as cursor:
        cursor.execute(settings_sql)
        assert cursor.fetchone() == before
    assert during == [("64MB", "off")]
