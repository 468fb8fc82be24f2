"""Pulling Shopify orders: paged for incremental runs, a bulk operation for long backfills."""

import zoneinfo
from collections.abc import Callable
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from etl import conf as etl_conf
from etl.conf import ShopifyConf
from etl.connectors.shopify import ShopifyClient
from etl.connectors.shopify_bulk import BulkExport, search_filter
from etl.http import HttpClient, WaitStats
from etl.load import batches, load_orders, save_cursor, save_extra
from etl.models import SyncState
from etl.pull import only
from etl.pull_result import PullResult, aware, report_progress


def iso(moment: datetime) -> str:
    return moment.astimezone(zoneinfo.ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%M:%SZ")


def shopify_window(
    now: datetime,
    previous: datetime | None,
    cfg: ShopifyConf,
    *,
    since: date | None,
    until: date | None,
    full_refresh: bool,
    note: Callable[[str], None],
) -> tuple[datetime, datetime | None]:
    """(start, end or None for "now") of the orders to read; ``end`` is never after now."""
    zone = zoneinfo.ZoneInfo(settings.REPORTING_TIMEZONE)
    if since:
        start = aware(since, zone)
    elif full_refresh or previous is None:
        start = now - timedelta(days=cfg.initial_days)
    else:
        start = previous - timedelta(minutes=cfg.overlap_minutes)
    end = aware(until + timedelta(days=1), zone) if until else None
    if end is not None and end > now:
        note(f"--until {until} is in the future: pulling up to now ({iso(now)})")
        end = None
    return start, end


def pull_shopify(
    result: PullResult, *, since, until, full_refresh, say, sleep, accounts=None, move_cursor=True
) -> None:
    cfg = etl_conf.shopify_conf()
    # One shop: ``accounts`` can only name it; a backfill is one bulk operation, never split.
    only([cfg.shop], accounts, "Shopify")
    result.accounts.append(cfg.shop)
    state = SyncState.objects.filter(source="shopify", account=cfg.shop).first()
    previous = datetime.fromisoformat(state.cursor) if state and state.cursor else None
    now = timezone.now()
    start, end = shopify_window(
        now,
        previous,
        cfg,
        since=since,
        until=until,
        full_refresh=full_refresh,
        note=lambda text: result.note(text, say),
    )
    if start >= now:
        result.note(f"--since {since} is in the future: nothing to pull", say)
        return
    stats = WaitStats()
    http_conf = etl_conf.http_conf()
    http = HttpClient(
        http_conf, provider="Shopify", headers=ShopifyClient.headers(cfg), sleep=sleep, stats=stats
    )
    download = HttpClient(http_conf, provider="Shopify bulk download", headers={}, sleep=sleep, stats=stats)
    client = ShopifyClient(cfg, http)
    # The cursor may move only if this run covers everything since it.
    contiguous = previous is None or start <= previous
    search = search_filter(iso(start), iso(end) if end else None)
    bulk = ((end or now) - start).days > cfg.bulk_threshold_days
    result.mode = "bulk" if bulk else "pages"
    say(
        f"shopify {cfg.shop}: orders updated since {iso(start)}"
        + (f" and placed before {iso(end)}" if end else "")
        + f" ({result.mode})"
    )
    high = previous

    def commit(records) -> None:
        nonlocal high
        for batch in batches(records):
            result.rows_written += load_orders(cfg.shop, batch)
            # Every order updated before the range's end has been read, not every one
            # updated after it (those placed after it): the cursor stops short of it.
            covered = [r.updated_at for r in batch if end is None or r.updated_at < end]
            top = max(covered, default=None)
            high = top if high is None or (top is not None and top > high) else high
            report_progress(result)

    try:
        if bulk:
            export = BulkExport(client, download, progress=say, sleep=sleep)
            stored = (state.extra.get("bulk") if state else None) or {}
            automatic = not (since or until or full_refresh)
            # Only an export started by an incremental run (no --since, --until or --full-refresh)
            # covers what this incremental run needs.
            if automatic and stored.get("automatic") and stored.get("id") and export.reusable(stored["id"]):
                operation = stored["id"]
                say(f"resuming bulk operation {operation} started by an earlier run")
            else:
                operation = export.start(search)
                if not result.dry_run:
                    save_extra(
                        "shopify", cfg.shop, bulk={"id": operation, "search": search, "automatic": automatic}
                    )
            url = export.wait(operation)
            records = export.orders(export.download(url)) if url else []
            result.pages += 1
            result.rows_read += len(records)
            result.take_waits(stats)
            say(f"shopify: bulk file read, {len(records)} orders")
            if not result.dry_run:
                commit(records)
        else:
            # Pages are written a batch at a time: a page is 25 orders, and a transaction for
            # each (a lookup, a COPY, a MERGE for the orders and again for their lines and
            # refunds) cost more than the rows (a 1M-order night: 20 s for 23,000 orders).
            # Nothing is lost by waiting: the cursor moves only once the run has committed all.
            pending = []
            for page in client.order_pages(search):
                result.pages += 1
                result.rows_read += len(page)
                if not result.dry_run:
                    pending += page
                    if len(pending) >= settings.ETL_BATCH_SIZE:
                        commit(sorted(pending, key=lambda r: r.updated_at))
                        pending = []
                result.take_waits(stats)
                say(
                    f"shopify: page {result.pages}, {result.rows_read} orders read, "
                    f"{result.rows_written} rows written, {result.throttle_waits} waits "
                    f"({result.seconds_waited:.1f} s)"
                )
            if pending:
                commit(sorted(pending, key=lambda r: r.updated_at))
        if not result.dry_run:
            # Only now, with every row committed: a run that failed part way leaves the
            # cursor where it was, and the next one re-reads from there. This commit
            # flushes the WAL, so the batches' commits before it are durable too.
            with transaction.atomic():
                if contiguous and high is not None and (previous is None or high > previous):
                    save_cursor("shopify", cfg.shop, high.isoformat())
                save_extra("shopify", cfg.shop, bulk=None)
    finally:
        result.take_waits(stats)
        http.close()
        download.close()
