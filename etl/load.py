"""The loader: normalised records -> tables, idempotently, a batch per transaction.

Upserts on the natural keys (``UniqueConstraint`` in ``etl.models``). Each batch
commits on its own; the caller moves the sync cursor once the rows it covers
are committed, so a run killed anywhere and run again converges on the rows
of one clean run.

Rows of a re-pulled range that the provider no longer returns are removed
(an ad-insight day restated away, an order line edited out), so the tables
mirror the provider, not the union of every pull.
"""

from collections.abc import Iterable
from datetime import date
from operator import attrgetter

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from etl import strategies
from etl.connectors.records import AccountRecord, InsightRecord, OrderRecord
from etl.models import AdAccount, AdInsightDaily, Campaign, Order, OrderLine, Refund, SyncState
from etl.upsert import copy_merge, int_array, upsert_objects

ORDER_FIELDS = [
    "name", "created_at", "processed_at", "updated_at", "cancelled_at", "test", "currency", "subtotal",
    "discounts", "tax", "shipping", "total", "current_total", "customer_key",
]  # fmt: skip
LINE_FIELDS = ["sku", "title", "quantity", "price", "discount", "unit_cost"]
REFUND_FIELDS = ["created_at", "amount", "returns_amount"]
INSIGHT_FIELDS = [
    "spend",
    "impressions",
    "clicks",
    "conversions",
    "conversion_value",
    "currency",
    "fetched_at",
]


# How orders and their children are written: "copy" (COPY + merge, PostgreSQL only, the
# fast path) or "orm" (bulk_create(update_conflicts), any database). Same rows either way.
def strategy_for(strategy: str | None = None) -> str:
    return strategies.choose("loader", strategy, fast="copy")


# --- sync state ------------------------------------------------------------------------------


def sync_state(source: str, account: str) -> SyncState:
    return SyncState.objects.get_or_create(source=source, account=account)[0]


def save_cursor(source: str, account: str, cursor: str, **extra) -> None:
    """Call inside the transaction that committed the rows the cursor covers."""
    state = SyncState.objects.select_for_update().get_or_create(source=source, account=account)[0]
    state.cursor = cursor
    state.extra = {k: v for k, v in {**state.extra, **extra}.items() if v is not None}
    state.save()


def save_extra(source: str, account: str, **extra) -> None:
    with transaction.atomic():
        state = SyncState.objects.select_for_update().get_or_create(source=source, account=account)[0]
        state.extra = {k: v for k, v in {**state.extra, **extra}.items() if v is not None}
        state.save()


# --- ads -------------------------------------------------------------------------------------


def save_account(record: AccountRecord) -> AdAccount:
    account, _ = AdAccount.objects.update_or_create(
        platform=record.platform,
        external_id=record.external_id,
        defaults={"name": record.name, "currency": record.currency, "timezone": record.timezone},
    )
    return account


def load_insights(
    account: AdAccount, records: list[InsightRecord], since: date, until: date, *, cursor: str | None = None
) -> int:
    """Replace the account's insights for ``since..until`` with ``records``, in one transaction."""
    latest = {(r.campaign_id, r.date): r for r in records}  # a provider repeating a row: keep the last
    names = {r.campaign_id: r.campaign_name for r in latest.values()}
    now = timezone.now()
    with transaction.atomic():
        campaigns = upsert_objects(
            Campaign,
            [
                Campaign(account=account, external_id=cid, name=name[:300])
                for cid, name in sorted(names.items())
            ],
            ["account", "external_id"],
            ["name", "updated_at"],
        )
        ids = {c.external_id: c.pk for c in campaigns}
        if len(ids) < len(names):  # a backend that does not return pks on conflict
            ids = dict(
                Campaign.objects.filter(account=account, external_id__in=names).values_list(
                    "external_id", "pk"
                )
            )
        rows = [
            AdInsightDaily(
                platform=account.platform,
                account=account,
                campaign_id=ids[r.campaign_id],
                date=r.date,
                spend=r.spend,
                impressions=r.impressions,
                clicks=r.clicks,
                conversions=r.conversions,
                conversion_value=r.conversion_value,
                currency=account.currency,
                fetched_at=now,
            )
            for r in latest.values()
        ]
        upsert_objects(AdInsightDaily, rows, ["platform", "account", "campaign", "date"], INSIGHT_FIELDS)
        keep = {(ids[c], d) for c, d in latest}
        stale = [
            pk
            for pk, campaign, day in AdInsightDaily.objects.filter(
                account=account, date__gte=since, date__lte=until
            ).values_list("pk", "campaign_id", "date")
            if (campaign, day) not in keep
        ]
        AdInsightDaily.objects.filter(pk__in=stale).delete()
        if cursor is not None:
            save_cursor(account.platform, account.external_id, cursor)
    return len(rows)


# --- orders ----------------------------------------------------------------------------------


def batches(records: list[OrderRecord], size: int | None = None) -> Iterable[list[OrderRecord]]:
    size = size or settings.ETL_BATCH_SIZE
    for start in range(0, len(records), size):
        yield records[start : start + size]


def load_orders(shop: str, records: list[OrderRecord], *, strategy: str | None = None) -> int:
    """Upsert orders with their lines and refunds in one transaction; returns rows written.

    ``strategy``: "copy" or "orm" (see ``strategy_for``); by default "copy" on
    PostgreSQL, where the commit does not wait for the WAL flush; the caller's
    next ordinary commit (the pull saves its cursor and state last) makes it durable.
    """
    copy = strategy_for(strategy) == "copy"
    latest = {}
    for record in records:
        # The same order twice in a batch (updated while we paged): the later update wins.
        if record.external_id not in latest or record.updated_at >= latest[record.external_id].updated_at:
            latest[record.external_id] = record
    with transaction.atomic():
        if copy:
            # A batch's commit need not wait for its WAL flush: if PostgreSQL crashed in
            # that instant, the batch would be lost, but so would every later commit,
            # including the cursor's, which the pull saves afterwards with a normal
            # (flushing) commit. The next run then re-reads the batch: nothing is lost.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit = off")
        ids = _upsert_orders(shop, list(latest.values()), copy=copy)
        written = len(latest)
        written += _replace_children(OrderLine, ids, latest, "lines", LINE_FIELDS, copy=copy)
        written += _replace_children(Refund, ids, latest, "refunds", REFUND_FIELDS, copy=copy)
    return written


def _upsert_orders(shop: str, records: list[OrderRecord], *, copy: bool) -> dict[int, int]:
    """external id -> pk (with COPY, new orders only when they have lines or refunds)."""
    if copy:
        # first_order belongs to the metrics step: set on insert, never overwritten here.
        columns = ["shop", "external_id", *ORDER_FIELDS, "first_order"]
        values = attrgetter(*ORDER_FIELDS)
        rows = [(shop, r.external_id, *values(r), False) for r in records]
        # New orders' ids are needed only to attach their lines and refunds.
        children = any(r.lines or r.refunds for r in records)
        saved = copy_merge(
            Order, columns, rows, ["shop", "external_id"], insert_only=["first_order"], want_ids=children
        )
        return {ext: pk for (_, ext), pk in saved.items()}
    objs = [
        Order(shop=shop, external_id=r.external_id, **{f: getattr(r, f) for f in ORDER_FIELDS})
        for r in records
    ]
    saved = upsert_objects(Order, objs, ["shop", "external_id"], ORDER_FIELDS)
    if all(o.pk for o in saved):
        return {o.external_id: o.pk for o in saved}
    return dict(
        Order.objects.filter(shop=shop, external_id__in=[r.external_id for r in records]).values_list(
            "external_id", "pk"
        )
    )


def _replace_children(
    model, ids: dict[int, int], records: dict[int, OrderRecord], attr: str, fields: list[str], *, copy: bool
) -> int:
    wanted = {
        (ids[order_ext], child.external_id): child
        for order_ext, record in records.items()
        for child in getattr(record, attr)
    }
    if copy:
        columns = ["order_id", "external_id", *fields]
        rows = [(order_id, ext, *(getattr(c, f) for f in fields)) for (order_id, ext), c in wanted.items()]
        copy_merge(model, columns, rows, ["order_id", "external_id"], want_ids=False)
    else:
        objs = [
            model(order_id=o, external_id=e, **{f: getattr(c, f) for f in fields})
            for (o, e), c in wanted.items()
        ]
        upsert_objects(model, objs, ["order", "external_id"], fields)
    if ids:
        _delete_stale_children(model, list(ids.values()), set(wanted), copy=copy)
    return len(wanted)


def _delete_stale_children(model, order_ids: list[int], wanted: set[tuple[int, int]], *, copy: bool) -> None:
    """Remove children of these orders that the provider no longer lists (an edited-out line)."""
    if copy:
        # One array parameter instead of thousands: the IN list was most of the batch's time.
        table = model._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, order_id, external_id FROM {table} WHERE order_id = ANY(%s::bigint[])",  # noqa: S608
                [int_array(order_ids)],
            )
            stale = [pk for pk, order_id, ext in cursor.fetchall() if (order_id, ext) not in wanted]
            if stale:
                cursor.execute(f"DELETE FROM {table} WHERE id = ANY(%s::bigint[])", [int_array(stale)])  # noqa: S608
        return
    existing = model.objects.filter(order_id__in=order_ids).values_list("pk", "order_id", "external_id")
    stale = [pk for pk, order_id, ext in existing if (order_id, ext) not in wanted]
    if stale:
        model.objects.filter(pk__in=stale).delete()
