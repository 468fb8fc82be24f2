"""``Order.first_order``: the customer's first valid order, kept by set-based updates.

A customer is ``Order.customer_key`` ("customer:<id>", or "email:<normalised
email>" for guest checkouts, set by the loader). Their first valid order (see
``Order.objects.counted()``) by creation time, ties broken by id, is their first order;
every other order of theirs is not. Orders without a key are never first:
no customer can be told apart. A cancelled first order hands the flag on to
the next valid one.
"""

from contextlib import contextmanager
from datetime import date

from django.db import connection, transaction
from django.db.models import F, Max, Min, QuerySet, Window
from django.db.models.functions import RowNumber

from etl import strategies
from etl.metrics.days import bounds
from etl.models import Order, SyncState


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


# The same rule in one statement. Measured on a year of 1,000,000 orders (about
# 480,000 flags to set on the first run), each choice here counts:
# - the orders are read once, in table order, probing a hash of each customer's first
#   order, and only the rows whose flag changes are written. Updating in the order of a
#   join on the customer keys (the plan DISTINCT ON got) dirtied pages at random, more
#   than shared_buffers holds: 6 s of the update instead of 2.5 s;
# - each customer's first valid order (the FILTER mirrors ``Order.objects.counted()``)
#   is a hash aggregate: the least [creation time in microseconds, id] pair, ties on
#   time going to the lower id; a customer with no valid order gets no id, so none of
#   theirs is first. Grouped by customer_key, the planner knows each key
#   comes once and hashes these firsts rather than the orders (with DISTINCT ON it did
#   not), and it takes 1.4 s where DISTINCT ON's sort in the database's collation took
#   2.1 s;
# - when the range holds every order (a backfill, the first run), every customer is
#   in it and the statement skips the join that finds the range's customers (1 s).
# The statement took 10 to 11 s before these, about 5 s after (2.5 s of it the writes).
_REFLAG_SQL = """
WITH firsts AS (
    SELECT customer_key,
           (min(ARRAY[(extract(epoch FROM created_at) * 1000000)::bigint, id])
               FILTER (WHERE NOT test AND cancelled_at IS NULL AND deleted_at IS NULL))[2] AS id
    FROM {table}
    WHERE customer_key <> '' {in_range}
    GROUP BY customer_key
)
UPDATE {table} o SET first_order = COALESCE(o.id = f.id, false)
FROM firsts f
WHERE o.customer_key = f.customer_key AND o.first_order <> COALESCE(o.id = f.id, false)
"""
# The customers who ordered in the range (left out when that is every customer).
_IN_RANGE_SQL = (
    "AND customer_key IN (SELECT customer_key FROM {table} "
    "WHERE created_at >= %(start)s AND created_at < %(end)s)"
)
# Room for the firsts' hash (hash nodes get hash_mem_multiplier times this) so that it
# does not spill to disk in batches, each of which is one more pass over the orders.
_WORK_MEM = "64MB"


def _every_order_in(start, end) -> bool:
    """Whether ``start``..``end`` holds every order (two ends of the ``order_created`` index)."""
    span = Order.objects.aggregate(first=Min("created_at"), last=Max("created_at"))
    return span["first"] is None or (start <= span["first"] and span["last"] < end)


def _reflag_postgres(start, end) -> int:
    table = Order._meta.db_table
    in_range = "" if _every_order_in(start, end) else _IN_RANGE_SQL.format(table=table)
    # Every join here is of whole customer histories: never a nested loop, which a
    # misestimate (statistics older than a load) would make quadratic. The settings are
    # the transaction's (a savepoint when called in one): outside a transaction they
    # would end with the statement that sets them.
    with (
        transaction.atomic(),
        connection.cursor() as cursor,
        _settings(cursor, enable_nestloop="off", work_mem=_WORK_MEM),
    ):
        cursor.execute(_REFLAG_SQL.format(table=table, in_range=in_range), {"start": start, "end": end})
        return cursor.rowcount


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


# Every input of the flags (and the flags themselves) of every order, hashed two
# independent ways and summed: one sequential scan, several times cheaper than the
# re-flag statement, which aggregates every customer's orders and joins them back.
_FINGERPRINT_SQL = """
SELECT count(*)::text || ':' || coalesce(sum(hash_record_extended(r, 0)), 0)::text || ':'
       || coalesce(sum(hash_record_extended(r, 1)), 0)::text
FROM (SELECT ROW(id, customer_key, created_at, test, cancelled_at, deleted_at, first_order) AS r
      FROM {table}) AS rows
"""
# Where the fingerprint of the last re-flag and the days it covered are kept.
_STATE = ("metrics", "first_orders")


def _fingerprint() -> str:
    with connection.cursor() as cursor:
        cursor.execute(_FINGERPRINT_SQL.format(table=Order._meta.db_table))
        return cursor.fetchone()[0]


def _unchanged_since_last_reflag(since: date, until: date) -> tuple[bool, str | None]:
    """(whether the flags of since..until are known right, the orders' fingerprint now).

    True when no order was written since the last re-flag (same fingerprint, flags
    included, so a flag edited by hand counts as a change) and that re-flag covered
    these days: then re-flagging would change nothing. With no re-flag recorded there
    is nothing to compare with: no fingerprint (None), a scan of every order saved.
    """
    state = SyncState.objects.filter(source=_STATE[0], account=_STATE[1]).first()
    if state is None:
        return False, None
    now = _fingerprint()
    if state.cursor != now:
        return False, now
    covered = state.extra.get("since", ""), state.extra.get("until", "")
    return covered[0] <= since.isoformat() and until.isoformat() <= covered[1], now


# "sql" (the statement above, PostgreSQL only) or "orm" (two portable UPDATEs, any
# database). Same flags either way.
def strategy_for(strategy: str | None = None) -> str:
    return strategies.choose("first-order", strategy, fast="sql")


def refresh_first_orders(since: date, until: date, *, strategy: str | None = None) -> int:
    """Re-flag the whole history of every customer who ordered in the range; return rows changed.

    Only those customers can change the new-customer counts of the range's
    days; their older orders are corrected too. ``strategy``: "sql" or "orm"
    (see ``strategy_for``), by default "sql" on PostgreSQL, where a rerun over
    days the last re-flag covered, with no order written since, is skipped
    (a fingerprint of every order's inputs and flag, kept in ``SyncState``
    ``metrics/first_orders``, tells).
    """
    sql = strategy_for(strategy) == "sql"
    start, end = bounds(since, until)
    keys = (
        Order.objects.filter(created_at__gte=start, created_at__lt=end)
        .exclude(customer_key="")
        .values("customer_key")
    )
    if sql:
        unchanged, fingerprint = _unchanged_since_last_reflag(since, until)
        if unchanged:
            return 0
        changed = _reflag_postgres(start, end)
    else:
        firsts = _firsts(keys)
        scope = Order.objects.filter(customer_key__in=keys)
        changed = scope.filter(first_order=True).exclude(id__in=firsts).update(first_order=False)
        changed += scope.filter(first_order=False, id__in=firsts).update(first_order=True)
    changed += Order.objects.filter(
        customer_key="", first_order=True, created_at__gte=start, created_at__lt=end
    ).update(first_order=False)
    if sql:
        # The fingerprint after this re-flag; its days, joined to the last one's when
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
