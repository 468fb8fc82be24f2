"""Pulling one source end to end: connector -> loader, with progress and a result.

    result = pull_source("meta", since=date(2026, 1, 1), progress=print)

Configuration is checked before the first request. The sync cursor moves
only with the rows it covers (in their transaction), and only when the run
covered everything since the previous cursor (a manual pull of an old window
never makes the next nightly run skip a gap), and only when the run finished
for that account: a run that fails part way leaves the cursor where it was,
and the next run re-reads from there (the upserts make the re-read harmless).
A range that reaches past today is cut at today (now, for Shopify), with a
note: a cursor in the future would keep later runs from re-reading a gap.
"""

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta

from django.utils import timezone

from etl import conf as etl_conf
from etl import sources
from etl.connectors.meta import MetaConnector
from etl.connectors.tiktok import MAX_DAYS as TIKTOK_MAX_DAYS
from etl.connectors.tiktok import TikTokConnector
from etl.errors import ConfigError
from etl.http import HttpClient, WaitStats
from etl.load import load_insights, save_account
from etl.models import AdAccount, SyncState
from etl.pull_result import Progress, PullResult, report_progress
from health.locks import job_lock


def pull_source(
    source: str,
    *,
    since: date | None = None,
    until: date | None = None,
    full_refresh: bool = False,
    dry_run: bool = False,
    progress: Progress | None = None,
    sleep: Callable[[float], None] = time.sleep,
    accounts: list[str] | None = None,
    move_cursor: bool = True,
) -> PullResult:
    """Pull ``source`` (one of ``etl.sources.NAMES``) into the tables; raises ``EtlError`` on failure.

    ``accounts``: only these of the source's configured accounts (the nightly
    chord pulls each account in its own task); each must be configured.
    ``move_cursor=False``: leave the sync cursor alone (one chunk of a backfill
    split over several tasks; the pipeline moves it once every chunk is in).
    """
    spec = sources.get(source)
    if spec is None:
        raise ConfigError(f"unknown source {source!r}: choose one of {', '.join(sources.NAMES)}")
    if since and until and since > until:
        raise ConfigError(f"--since {since} is after --until {until}")
    say = progress or (lambda _: None)
    result = PullResult(source=source, dry_run=dry_run)
    # Passed only when asked for: a puller that pulls one account needs neither.
    narrow = {"accounts": accounts} if accounts is not None else {}
    if not move_cursor:
        narrow["move_cursor"] = False
    spec.pull(result, since=since, until=until, full_refresh=full_refresh, say=say, sleep=sleep, **narrow)
    return result


def only(configured: list[str], accounts: list[str] | None, name: str) -> list[str]:
    """``accounts`` checked against the configured ones (all of them when None)."""
    if accounts is None:
        return list(configured)
    unknown = [a for a in accounts if a not in configured]
    if unknown:
        raise ConfigError(
            f"{name} account {unknown[0]!r} is not configured: use one of {', '.join(configured)}"
        )
    return list(accounts)


def ads_window(
    today: date,
    cursor: str,
    *,
    lookback: int,
    initial: int,
    since: date | None,
    until: date | None,
    full: bool,
) -> tuple[date, date, date | None]:
    """(start, end, the cursor as a date or None) for an ad platform pull.

    ``end`` is never after ``today``: the cursor moves to it, and a cursor in
    the future would keep the next runs from re-reading the days they missed.
    """
    previous = date.fromisoformat(cursor) if cursor else None
    end = min(until or today, today)
    if since:
        start = since
    elif full or previous is None:
        start = today - timedelta(days=initial - 1)
    else:
        # Re-pull the lookback window (platforms restate recent days), and any gap since the cursor.
        start = min(previous + timedelta(days=1), today) - timedelta(days=lookback)
    return start, end, previous


def cursor_moves(previous: date | None, start: date, end: date) -> bool:
    """Whether a pull of ``start..end`` covers everything since the cursor ``previous`` and goes past it."""
    return previous is None or (start <= previous + timedelta(days=1) and end > previous)


def ads_cursor(source: str, account: str) -> date | None:
    state = SyncState.objects.filter(source=source, account=account).first()
    return date.fromisoformat(state.cursor) if state and state.cursor else None


def day_chunks(start: date, end: date, days: int) -> list[tuple[date, date]]:
    chunks = []
    while start <= end:
        stop = min(end, start + timedelta(days=days - 1))
        chunks.append((start, stop))
        start = stop + timedelta(days=1)
    return chunks


@contextmanager
def account_lock(spec: sources.Source, account: str, *, held: bool) -> Iterator[None]:
    """Hold the account's pull lock (``etl.pull_<source>:<account>``) unless the caller holds it.

    The nightly chord pulls each account in its own task under this lock; a
    pull of the whole source takes it account by account, so the two never
    write one account at the same time.
    """
    if held:
        yield
        return
    with job_lock(f"{spec.job}:{account}") as acquired:
        if not acquired:
            raise ConfigError(
                f"{spec.label} account {account} is being pulled by another run: try again later"
            )
        yield


def pull_ads(
    result: PullResult, *, since, until, full_refresh, say: Progress, sleep, accounts=None, move_cursor=True
) -> None:
    spec = sources.get(result.source)
    cfg, name = spec.read_settings(), spec.label
    if result.source == "meta":
        ids, headers, chunk_days = cfg.account_ids, MetaConnector.headers(cfg), cfg.days_per_request
    else:
        ids, headers, chunk_days = cfg.advertiser_ids, TikTokConnector.headers(cfg), TIKTOK_MAX_DAYS
    stats = WaitStats()
    http = HttpClient(etl_conf.http_conf(), provider=name, headers=headers, sleep=sleep, stats=stats)
    connector = (MetaConnector if result.source == "meta" else TikTokConnector)(cfg, http)
    ids = only(ids, accounts, name)
    try:
        for account_id in ids:
            with account_lock(spec, account_id, held=accounts is not None):
                record = connector.account(account_id)
                zone = etl_conf.check_timezone(record.timezone, f"{name} account {account_id}")
                account = AdAccount(**vars(record)) if result.dry_run else save_account(record)
                result.accounts.append(account_id)
                state = SyncState.objects.filter(source=result.source, account=account_id).first()
                today = timezone.now().astimezone(zone).date()
                start, end, previous = ads_window(
                    today,
                    state.cursor if state else "",
                    lookback=cfg.lookback_days,
                    initial=cfg.initial_days,
                    since=since,
                    until=until,
                    full=full_refresh,
                )
                if until and until > today:
                    result.note(
                        f"--until {until} is after today in {account_id}'s time zone ({today}, "
                        f"{record.timezone}): pulling up to {today}",
                        say,
                    )
                if start > end:
                    result.note(
                        f"--since {start} is after today for {account_id} ({today}): nothing to pull", say
                    )
                    continue
                say(f"{result.source} {account_id} ({record.currency}, {record.timezone}): {start} to {end}")
                # The cursor moves with the last chunk of a run that covered everything since it,
                # so a run that fails part way leaves it where it was.
                moves = move_cursor and cursor_moves(previous, start, end)
                chunks = day_chunks(start, end, chunk_days)
                for chunk_start, chunk_end in chunks:
                    rows = []
                    for page in connector.insight_pages(account_id, chunk_start, chunk_end):
                        rows += page
                        result.pages += 1
                        result.rows_read += len(page)
                        result.take_waits(stats)
                        say(
                            f"{result.source} {account_id} {chunk_start}..{chunk_end}: page {result.pages}, "
                            f"{result.rows_read} rows read, {result.throttle_waits} waits "
                            f"({result.seconds_waited:.1f} s)"
                        )
                    if result.dry_run:
                        continue
                    last = chunk_end == end
                    result.rows_written += load_insights(
                        account,
                        rows,
                        chunk_start,
                        chunk_end,
                        cursor=end.isoformat() if moves and last else None,
                    )
                    report_progress(result)
    finally:
        result.take_waits(stats)
        http.close()
