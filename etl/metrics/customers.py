"""``Order.first_order``: the customer's first valid order, kept by set-based updates.

A customer is ``Order.customer_key`` ("customer:<id>", or "email:<normalised
email>" for guest checkouts, set by the loader). Their first valid order (see
``Order.objects.counted()``) by creation time, ties broken by id, is their first order;
every other order of theirs is not. Orders without a key are never first:
no customer can be told apart. A cancelled first order hands the flag on to
the next valid one.
"""

from datetime import date

from django.db import connection
from django.db.models import F, QuerySet, Window
from django.db.models.functions import RowNumber

from etl import strategies
from etl.metrics.days import bounds
from etl.models import Order


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


# The same rule in one statement: DISTINCT ON finds each customer's first
# valid order (the WHERE mirrors ``Order.objects.counted()``) and only rows whose flag
# changes are written. Measured on a year of 1,000,000 orders it is several
# times faster than the two portable UPDATEs, each of which re-runs the window.
_REFLAG_SQL = """
WITH keys AS (
    SELECT DISTINCT customer_key FROM {table}
    WHERE created_at >= %(start)s AND created_at < %(end)s AND customer_key <> ''
), firsts AS (
    SELECT DISTINCT ON (o.customer_key) o.customer_key, o.id
    FROM {table} o JOIN keys USING (customer_key)
    WHERE NOT o.test AND o.cancelled_at IS NULL AND o.deleted_at IS NULL
    ORDER BY o.customer_key, o.created_at, o.id
)
UPDATE {table} o SET first_order = COALESCE(o.id = f.id, false)
FROM keys k LEFT JOIN firsts f USING (customer_key)
WHERE o.customer_key = k.customer_key AND o.first_order <> COALESCE(o.id = f.id, false)
"""


def _reflag_postgres(start, end) -> int:
    with connection.cursor() as cursor:
        cursor.execute(_REFLAG_SQL.format(table=Order._meta.db_table), {"start": start, "end": end})
        return cursor.rowcount


# "sql" (the statement above, PostgreSQL only) or "orm" (two portable UPDATEs, any
# database). Same flags either way.
def strategy_for(strategy: str | None = None) -> str:
    return strategies.choose("first-order", strategy, fast="sql")


def refresh_first_orders(since: date, until: date, *, strategy: str | None = None) -> int:
    """Re-flag the whole history of every customer who ordered in the range; return rows changed.

    Only those customers can change the new-customer counts of the range's
    days; their older orders are corrected too. ``strategy``: "sql" or "orm"
    (see ``strategy_for``), by default "sql" on PostgreSQL.
    """
    sql = strategy_for(strategy) == "sql"
    start, end = bounds(since, until)
    keys = (
        Order.objects.filter(created_at__gte=start, created_at__lt=end)
        .exclude(customer_key="")
        .values("customer_key")
    )
    if sql:
        changed = _reflag_postgres(start, end)
    else:
        firsts = _firsts(keys)
        scope = Order.objects.filter(customer_key__in=keys)
        changed = scope.filter(first_order=True).exclude(id__in=firsts).update(first_order=False)
        changed += scope.filter(first_order=False, id__in=firsts).update(first_order=True)
    changed += Order.objects.filter(
        customer_key="", first_order=True, created_at__gte=start, created_at__lt=end
    ).update(first_order=False)
    return changed
