"""``FirstOrder``: each customer's first valid order, kept by set-based statements.

A customer is ``Order.customer_key`` ("customer:<id>", or "email:<normalised
email>" for guest checkouts, set by the loader). Their first valid order (see
``Order.objects.counted()``) by creation time, ties broken by id, is their first order
(a ``FirstOrder`` row); every other order of theirs is not. Orders without a key
are never first: no customer can be told apart. A cancelled first order hands the
role on to the next valid one.
"""

from contextlib import contextmanager
from datetime import date

from django.db import connection, transaction
from django.db.models import F, Max, Min, Q, QuerySet, Window
from django.db.models.functions import RowNumber

from etl import strategies
from etl.metrics.days import bounds
from etl.models import FirstOrder, Order, SyncState


def _firsts(keys: QuerySet) -> QuerySet:
    ranked = (
        Order.objects.counted()
        .filter(customer_key__in=keys)
        .annotate(
            rank=Window(RowNumber(), partition_by=F("customer_key"), order_by=[F("created_at"), F("id")])
        )
        .filter(rank=1)
    )
    return ranked.values("id")


# The same rule in one statement, which also says what it changed. Measured on a year of
# 1,000,000 orders (about 480,000 first orders to record on the first run):
# - each customer's first valid order (the FILTER mirrors ``Order.objects.counted()``) is
#   a hash aggregate: the least [creation time in microseconds, id] pair, ties on time
#   going to the lower id; a customer with no valid order gets no id. Grouped by
#   customer_key, the planner knows each key comes once and hashes these firsts rather
#   than the orders, and it takes 1.4 s where DISTINCT ON's sort in the database's
#   collation took 2.1 s;
# - the rows are narrow and in their own table (``FirstOrder``): inserting the first
#   run's 480,000 took 4 s where flagging as many orders took 11 s;
# - the stored firsts of the customers in scope that are no longer first go, the new ones
#   come in (in id order); a rerun with nothing changed writes nothing;
# - when the range holds every order (a backfill, the first run), every customer is in
#   scope and the statement skips the join that finds the range's customers.
_SYNC_SQL = """
WITH firsts AS MATERIALIZED (
    SELECT (min(ARRAY[(extract(epoch FROM created_at) * 1000000)::bigint, id])
               FILTER (WHERE NOT test AND cancelled_at IS NULL AND deleted_at IS NULL))[2] AS id
    FROM {orders}
    WHERE customer_key <> '' {in_range}
    GROUP BY customer_key
), gone AS (
    DELETE FROM {firsts} f
    WHERE {stored_in_scope} NOT EXISTS (SELECT 1 FROM firsts n WHERE n.id = f.order_id)
    RETURNING 1
), added AS (
    INSERT INTO {firsts} (order_id)
    SELECT n.id FROM firsts n
    WHERE n.id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {firsts} f WHERE f.order_id = n.id)
    ORDER BY n.id
    RETURNING 1
)
SELECT (SELECT count(*) FROM gone) + (SELECT count(*) FROM added)
"""
# The customers who ordered in the range (left out when that is every customer).
_IN_RANGE_SQL = (
    "AND customer_key IN (SELECT customer_key FROM {orders} "
    "WHERE created_at >= %(start)s AND created_at < %(end)s)"
)
# With a range: the stored firsts in scope are those of the range's customers, and any of
# the range's orders that no customer can be told apart by (no key).
_STORED_IN_RANGE_SQL = """EXISTS (
        SELECT 1 FROM {orders} o WHERE o.id = f.order_id AND (
            (o.customer_key <> '' {in_range})
            OR (o.customer_key = '' AND o.created_at >= %(start)s AND o.created_at < %(end)s))
    ) AND"""
# Room for the firsts' hash (hash nodes get hash_mem_multiplier times this) so that it
# does not spill to disk in batches, each of which is one more pass over the orders.
_WORK_MEM = "64MB"


def _every_order_in(start, end) -> bool:
    """Whether ``start``..``end`` holds every order (two ends of the ``order_created`` index)."""
    span = Order.objects.aggregate(first=Min("created_at"), last=Max("created_at"))
    return span["first"] is None or (start <= span["first"] and span["last"] < end)


def _refresh_postgres(start, end) -> int:
    orders, firsts = Order._meta.db_table, FirstOrder._meta.db_table
    if _every_order_in(start, end):
        in_range = stored_in_scope = ""
    else:
        in_range = _IN_RANGE_SQL.format(orders=orders)
        stored_in_scope = _STORED_IN_RANGE_SQL.format(orders=orders, in_range=in_range)
    sql = _SYNC_SQL.format(orders=orders, firsts=firsts, in_range=in_range, stored_in_scope=stored_in_scope)
    # Every join here is of whole customer histories: never a nested loop, which a
    # misestimate (statistics older than a load) would make quadratic. The settings are
    # the transaction's (a savepoint when called in one): outside a transaction they
    # would end with the statement that sets them.
    with (
        transaction.atomic(),
        connection.cursor() as cursor,
        _settings(cursor, enable_nestloop="off", work_mem=_WORK_MEM),
    ):
        cursor.execute(sql, {"start": start, "end": end})
        return cursor.fetchone()[0]


@contextmanager
def _settings(cursor, **values: str):
    """The transaction's settings set to ``values`` for the block, then put back as they were."""
    before = {}
    for name, value in values.items():
        cursor.execute("SELECT current_setting(%s), set_config(%s, %s, true)", [name, name, value])
        before[name] = cursor.fetchone()[0]
    try:
        yield
    finally:
        for name, value in before.items():  # the rest of the transaction plans as usual
            cursor.execute("SELECT set_config(%s, %s, true)", [name, value])


# Every input of the first orders of every order, and the stored first orders, each hashed
# two independent ways and summed: a sequential scan of each table, several times cheaper
# than the statement above, which aggregates every customer's orders.
_FINGERPRINT_SQL = """
SELECT (SELECT count(*)::text || ':' || coalesce(sum(hash_record_extended(r, 0)), 0)::text || ':'
               || coalesce(sum(hash_record_extended(r, 1)), 0)::text
        FROM (SELECT ROW(id, customer_key, created_at, test, cancelled_at, deleted_at) AS r
              FROM {orders}) AS rows)
       || '/' ||
       (SELECT count(*)::text || ':' || coalesce(sum(hashint8extended(order_id, 0)), 0)::text || ':'
               || coalesce(sum(hashint8extended(order_id, 1)), 0)::text
        FROM {firsts})
"""
# Where the fingerprint of the last refresh and the days it covered are kept.
_STATE = ("metrics", "first_orders")


def _fingerprint() -> str:
    with connection.cursor() as cursor:
        cursor.execute(_FINGERPRINT_SQL.format(orders=Order._meta.db_table, firsts=FirstOrder._meta.db_table))
        return cursor.fetchone()[0]


def _unchanged_since_last_refresh(since: date, until: date) -> tuple[bool, str | None]:
    """(whether the first orders of since..until are known right, the fingerprint now).

    True when no order was written since the last refresh (same fingerprint, the
    stored first orders included, so one edited by hand counts as a change) and
    that refresh covered these days: then refreshing would change nothing. With
    no refresh recorded there is nothing to compare with: no fingerprint (None),
    a scan of every order saved.
    """
    state = SyncState.objects.filter(source=_STATE[0], account=_STATE[1]).first()
    if state is None:
        return False, None
    now = _fingerprint()
    if state.cursor != now:
        return False, now
    covered = state.extra.get("since", ""), state.extra.get("until", "")
    return covered[0] <= since.isoformat() and until.isoformat() <= covered[1], now


def _refresh_orm(start, end) -> int:
    """The same first orders as ``_refresh_postgres`` with portable queries (SQLite)."""
    keys = (
        Order.objects.filter(created_at__gte=start, created_at__lt=end)
        .exclude(customer_key="")
        .values("customer_key")
    )
    in_scope = Q(order__customer_key__in=keys) | Q(
        order__customer_key="", order__created_at__gte=start, order__created_at__lt=end
    )
    changed = FirstOrder.objects.filter(in_scope).exclude(order_id__in=_firsts(keys)).delete()[0]
    new = Order.objects.filter(id__in=_firsts(keys), first__isnull=True).order_by("id").values_list("id")
    added = FirstOrder.objects.bulk_create([FirstOrder(order_id=pk) for (pk,) in new], batch_size=500)
    return changed + len(added)


# "sql" (the statement above, PostgreSQL only) or "orm" (portable queries, any database).
# Same first orders either way.
def strategy_for(strategy: str | None = None) -> str:
    return strategies.choose("first-order", strategy, fast="sql")


def refresh_first_orders(since: date, until: date, *, strategy: str | None = None) -> int:
    """Refresh the first orders of every customer who ordered in the range; return rows changed.

    Only those customers can change the new-customer counts of the range's
    days; the first orders of their older days are corrected too. Rows
    changed: first orders recorded plus first orders removed. ``strategy``:
    "sql" or "orm" (see ``strategy_for``), by default "sql" on PostgreSQL,
    where a rerun over days the last refresh covered, with no order written
    since, is skipped (a fingerprint of every order's inputs and of the stored
    first orders, kept in ``SyncState`` ``metrics/first_orders``, tells).
    """
    start, end = bounds(since, until)
    if strategy_for(strategy) == "orm":
        return _refresh_orm(start, end)
    unchanged, fingerprint = _unchanged_since_last_refresh(since, until)
    if unchanged:
        return 0
    changed = _refresh_postgres(start, end)
    # The fingerprint after this refresh; its days, joined to the last one's when
    # nothing was written in between (then both ranges are right).
    after = _fingerprint() if changed or fingerprint is None else fingerprint
    covered = (since.isoformat(), until.isoformat())
    state = SyncState.objects.filter(source=_STATE[0], account=_STATE[1]).first()
    if state and state.cursor == fingerprint and state.extra:
        previous = state.extra.get("since", ""), state.extra.get("until", "")
        if previous[0] <= covered[1] and covered[0] <= previous[1]:  # overlapping: one span
            covered = min(previous[0], covered[0]), max(previous[1], covered[1])
    SyncState.objects.update_or_create(
        source=_STATE[0],
        account=_STATE[1],
        defaults={"cursor": after, "extra": {"since": covered[0], "until": covered[1]}},
    )
    return changed
