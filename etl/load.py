"""The loader: normalised records -> tables, idempotently, a batch per transaction.

Upserts on the natural keys (``UniqueConstraint`` in ``etl.models``). Each batch
commits on its own; the caller moves the sync cursor once the rows it covers
are committed, so a run killed anywhere and run again converges on the rows
of one clean run.

Rows of a re-pulled range that the provider no longer returns are removed
(an ad-insight day restated away, an order line edited out), so the tables
mirror the provider, not the union of every pull.
"""

import gc
from collections.abc import Iterable
from contextlib import contextmanager
from datetime import UTC, date, datetime
from hashlib import blake2b
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
# An insight row's figures; fetched_at moves only when one of them does.
COMPARED_INSIGHT_FIELDS = ["spend", "impressions", "clicks", "conversions", "conversion_value", "currency"]
INSIGHT_FIELDS = [*COMPARED_INSIGHT_FIELDS, "fetched_at"]


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
        # Campaigns new or renamed are written; the others are only looked up.
        known = {
            external_id: (pk, name)
            for external_id, pk, name in Campaign.objects.filter(
                account=account, external_id__in=list(names)
            ).values_list("external_id", "pk", "name")
        }
        saved = upsert_objects(
            Campaign,
            [
                Campaign(account=account, external_id=cid, name=name[:300])
                for cid, name in sorted(names.items())
                if known.get(cid, (None, None))[1] != name[:300]
            ],
            ["account", "external_id"],
            ["name", "updated_at"],
        )
        ids = {cid: pk for cid, (pk, _) in known.items()} | {c.external_id: c.pk for c in saved}
        if len(ids) < len(names):  # a backend that does not return pks on conflict
            ids = dict(
                Campaign.objects.filter(account=account, external_id__in=names).values_list(
                    "external_id", "pk"
                )
            )
        # What is stored for these days: a re-pulled row equal to it is not written again
        # (nor its fetched_at moved), and a stored row the provider no longer reports goes.
        stored = {
            (campaign, day): (pk, tuple(values))
            for pk, campaign, day, *values in AdInsightDaily.objects.filter(
                account=account, date__gte=since, date__lte=until
            ).values_list("pk", "campaign_id", "date", *COMPARED_INSIGHT_FIELDS)
        }
        rows = []
        for r in latest.values():
            key = (ids[r.campaign_id], r.date)
            values = (r.spend, r.impressions, r.clicks, r.conversions, r.conversion_value, account.currency)
            if key in stored and stored[key][1] == values:
                continue
            rows.append(
                AdInsightDaily(
                    platform=account.platform,
                    account=account,
                    campaign_id=key[0],
                    date=r.date,
                    **dict(zip(COMPARED_INSIGHT_FIELDS, values, strict=True)),
                    fetched_at=now,
                )
            )
        upsert_objects(AdInsightDaily, rows, ["platform", "account", "campaign", "date"], INSIGHT_FIELDS)
        keep = {(ids[c], d) for c, d in latest}
        stale = [pk for key, (pk, _) in stored.items() if key not in keep]
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

    An order whose ``source_digest`` (see ``source_digest``) is the one stored
    is left alone with its lines and refunds: a re-pull of unchanged orders
    writes nothing. ``strategy``: "copy" or "orm" (see ``strategy_for``); by
    default "copy" on PostgreSQL, where the commit does not wait for the WAL
    flush; the caller's next ordinary commit (the pull saves its cursor and
    state last) makes it durable.
    """
    copy = strategy_for(strategy) == "copy"
    with _cyclic_gc_paused():
        return _load_orders(shop, records, copy=copy)


@contextmanager
def _cyclic_gc_paused():
    """Pause Python's cycle collector for one batch.

    A batch allocates a few objects per row (tuples, strings, dicts), none of
    them in reference cycles, so reference counting frees them all; the cycle
    collector, triggered every 700 allocations, would only walk them and
    every other live object again and again (measured: about a third of the
    loader's own time on a re-pull of unchanged orders). Whatever the batch
    leaves in cycles is collected after it.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _load_orders(shop: str, records: list[OrderRecord], *, copy: bool) -> int:
    latest = {record.external_id: record for record in records}
    if len(latest) < len(records):
        # The same order twice in a batch (updated while we paged): the later update wins.
        latest = {}
        for record in records:
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
        ids, written, existed = _upsert_orders(shop, list(latest.values()), copy=copy)
        # Only orders that are new or changed have children to write; the changed ones
        # may also have lost some.
        follow = latest if len(written) == len(latest) else {e: r for e, r in latest.items() if e in written}
        replaced = [ids[ext] for ext in existed if ext in written] if existed else []
        count = len(follow)
        if replaced or any(r.lines or r.refunds for r in follow.values()):
            count += _replace_children(OrderLine, ids, follow, "lines", LINE_FIELDS, replaced, copy=copy)
            count += _replace_children(Refund, ids, follow, "refunds", REFUND_FIELDS, replaced, copy=copy)
    return count


# Bumped when what an order's digest covers changes, or how it is computed: every order is then
# compared in full and written once with its new digest.
DIGEST_VERSION = 2
_order_values = attrgetter(*ORDER_FIELDS)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def source_digest(record: OrderRecord) -> int:
    """A 64-bit hash of what the loader writes for an order: its columns, its lines and its refunds.

    Built to be cheap (about four microseconds an order) and the same in every
    process. Text and numbers are written out NUL-separated (NUL cannot be
    stored in PostgreSQL text, so fields cannot run into each other) and
    hashed with BLAKE2b. Python's ``hash`` of a tuple combines that with the
    flags and the moments, each as its distance from the Unix epoch (a
    ``timedelta``, which hashes by value in every process, about three times
    faster than hashing the datetime itself): one instant in two time zones
    hashes alike, as PostgreSQL compares it; a missing moment stands as
    ``()`` (``None``'s hash is not fixed before Python 3.12). A number written
    in another form (``7.95`` and ``7.950``) hashes differently: such an order
    is compared column by column in the database, where only its digest
    differs, and is written once with the new one. A Python that hashed tuples
    differently would only make every order be written once more in the same
    way.
    """
    r, s, e = record, str, _EPOCH
    parts = [
        r.name, r.currency, r.customer_key, s(r.subtotal), s(r.discounts), s(r.tax), s(r.shipping),
        s(r.total), s(r.current_total),
    ]  # fmt: skip
    for x in r.lines:
        parts += (s(x.external_id), x.sku, x.title, s(x.quantity), s(x.price), s(x.discount), s(x.unit_cost))
    for x in r.refunds:
        parts += (s(x.external_id), s(x.amount), s(x.returns_amount))
    text = "\x00".join(parts)
    return hash(
        (
            DIGEST_VERSION,
            int.from_bytes(blake2b(text.encode(), digest_size=8).digest()),
            len(r.lines),
            r.test,
            () if r.created_at is None else r.created_at - e,  # None: refused by the database
            () if r.processed_at is None else r.processed_at - e,
            () if r.updated_at is None else r.updated_at - e,
            () if r.cancelled_at is None else r.cancelled_at - e,
            tuple(x.created_at - e for x in r.refunds) if r.refunds else (),
        )
    )


def _order_fields(record: OrderRecord) -> dict:
    return {f: getattr(record, f) for f in ORDER_FIELDS}


def _upsert_orders(
    shop: str, records: list[OrderRecord], *, copy: bool
) -> tuple[dict[int, int], set[int], set[int]]:
    """(external id -> pk, external ids inserted or changed, external ids that existed before).

    With COPY, the pks of new orders are known only when some order of the
    batch has lines or refunds to attach.
    """
    if copy:
        columns = ["shop", "external_id", *ORDER_FIELDS, "source_digest"]
        merged = copy_merge(
            Order,
            columns,
            # Built (with their digests) while the database looks the orders up.
            lambda: [(shop, r.external_id, *_order_values(r), source_digest(r)) for r in records],
            ["shop", "external_id"],
            keys=[(shop, r.external_id) for r in records],
            want_ids=any(r.lines or r.refunds for r in records),
            digest="source_digest",
        )
        return (
            {ext: pk for (_, ext), pk in merged.ids.items()},
            {ext for _, ext in merged.written},
            {ext for _, ext in merged.existed},
        )
    stored = {
        ext: (pk, digest)
        for ext, pk, digest in Order.objects.filter(
            shop=shop, external_id__in=[r.external_id for r in records]
        ).values_list("external_id", "pk", "source_digest")
    }
    pairs = zip(records, map(source_digest, records), strict=True)
    todo = [(r, d) for r, d in pairs if r.external_id not in stored or stored[r.external_id][1] != d]
    objs = [Order(shop=shop, external_id=r.external_id, source_digest=d, **_order_fields(r)) for r, d in todo]
    saved = upsert_objects(Order, objs, ["shop", "external_id"], [*ORDER_FIELDS, "source_digest"])
    ids = {ext: pk for ext, (pk, _) in stored.items()}
    if all(o.pk for o in saved):
        ids.update({o.external_id: o.pk for o in saved})
    else:  # a backend that does not return pks on conflict
        ids = dict(
            Order.objects.filter(shop=shop, external_id__in=[r.external_id for r in records]).values_list(
                "external_id", "pk"
            )
        )
    return ids, {r.external_id for r, _ in todo}, set(stored)


def _replace_children(
    model,
    ids: dict[int, int],
    records: dict[int, OrderRecord],
    attr: str,
    fields: list[str],
    replaced: list[int],
    *,
    copy: bool,
) -> int:
    """Write the children of ``records``; remove those of the ``replaced`` orders no longer listed."""
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
    if replaced:
        _delete_stale_children(model, replaced, set(wanted), copy=copy)
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
