"""Ranged pulls (--since/--until): complete for the range's figures, never moving a cursor past now."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from etl.metrics.compute import compute
from etl.models import AdAccount, DailyMetric, Order, Refund, SyncState
from etl.pull import pull_source
from tests.etl.conftest import wipe

pytestmark = pytest.mark.django_db
SHOP_ZONE = ZoneInfo("America/Toronto")  # REPORTING_TIMEZONE, the days of --since/--until


def day_of(moment: datetime) -> date:
    return moment.astimezone(SHOP_ZONE).date()


def start_of(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=SHOP_ZONE)


def refunded_later(sandbox, *, room_after: int = 0):
    """Sandbox orders with a refund on a later day than the order, oldest first."""
    last = day_of(sandbox.data.now) - timedelta(days=room_after)
    first = day_of(sandbox.data.orders[0].created_at) + timedelta(days=12)
    return [
        o
        for o in sandbox.data.orders
        if o.refunds
        and day_of(o.refunds[0].created_at) > day_of(o.created_at)
        and first <= day_of(o.created_at)
        and day_of(o.refunds[0].created_at) <= last
    ]


def figures(since: date, until: date) -> dict:
    """The rows a range's figures read: orders placed in it, refunds processed in it."""
    lo, hi = start_of(since), start_of(until + timedelta(days=1))
    return {
        "orders": sorted(
            Order.objects.filter(created_at__gte=lo, created_at__lt=hi).values_list(
                "external_id", "updated_at", "total", "current_total", "cancelled_at"
            )
        ),
        "refunds": sorted(
            Refund.objects.filter(created_at__gte=lo, created_at__lt=hi).values_list(
                "order__external_id", "external_id", "amount", "returns_amount"
            )
        ),
    }


def test_an_order_placed_on_the_last_day_and_refunded_after_the_range_comes_with_its_refund(
    etl_settings, sandbox
):
    order = refunded_later(sandbox)[0]
    until = day_of(order.created_at)
    pull_source("shopify", since=until - timedelta(days=3), until=until)
    loaded = Order.objects.get(external_id=order.gid)
    assert list(loaded.refunds.values_list("external_id", flat=True)) == [order.refunds[0].gid]
    assert loaded.current_total == order.current_total


def test_a_refund_in_the_range_on_an_earlier_order_edited_since_is_loaded(etl_settings, sandbox, monkeypatch):
    order = refunded_later(sandbox, room_after=3)[0]
    refund = order.refunds[0]
    # Tagged or fulfilled two days after the refund: its last update is past the range.
    monkeypatch.setattr(order, "updated_at", refund.created_at + timedelta(days=2))
    day = day_of(refund.created_at)
    assert day_of(order.created_at) < day
    pull_source("shopify", since=day, until=day)
    loaded = Refund.objects.get(external_id=refund.gid)
    assert (loaded.order.external_id, loaded.amount) == (order.gid, refund.amount)


@pytest.mark.parametrize("threshold, mode", [(100, "pages"), (3, "bulk")])
def test_a_ranged_pull_gives_the_range_the_figures_of_a_full_pull(etl_settings, sandbox, threshold, mode):
    etl_settings.SHOPIFY_BULK_THRESHOLD_DAYS = threshold
    late = refunded_later(sandbox)[0]
    until = day_of(late.created_at)
    since = until - timedelta(days=9)
    # Not by accident: orders of the range changed after it, and refunds in it on earlier orders.
    assert any(o.updated_at >= start_of(until + timedelta(days=1)) for o in sandbox.data.orders
               if since <= day_of(o.created_at) <= until)  # fmt: skip
    etl_settings.SHOPIFY_INITIAL_DAYS = 60
    etl_settings.SHOPIFY_BULK_THRESHOLD_DAYS = 100
    pull_source("shopify", full_refresh=True)
    full = figures(since, until)
    wipe()
    etl_settings.SHOPIFY_BULK_THRESHOLD_DAYS = threshold
    assert pull_source("shopify", since=since, until=until).mode == mode
    assert figures(since, until) == full
    assert full["orders"] and full["refunds"]


METRIC_COLUMNS = ("date", "channel", "orders", "gross_sales", "discounts", "returns", "net_sales",
                  "total_sales", "new_customers", "refund_rate", "cogs")  # fmt: skip


def daily_metrics(since: date, until: date) -> list[tuple]:
    compute(since, until)
    return sorted(DailyMetric.objects.filter(channel="all").values_list(*METRIC_COLUMNS))


def test_a_backfilled_range_gets_the_daily_metrics_of_a_full_pull(etl_settings, sandbox):
    until = day_of(refunded_later(sandbox)[0].created_at)
    since = until - timedelta(days=6)
    etl_settings.SHOPIFY_INITIAL_DAYS = 60
    pull_source("shopify", full_refresh=True)
    full = daily_metrics(since, until)
    wipe()
    DailyMetric.objects.all().delete()
    # The tables as a nightly run left them before the range, then the range's backfill.
    pull_source("shopify", until=since - timedelta(days=1), full_refresh=True)
    pull_source("shopify", since=since, until=until)
    assert daily_metrics(since, until) == full
    assert len(full) == 7 and all(row[2] for row in full)


def test_a_ranged_pull_moves_the_cursor_no_further_than_its_end(etl_settings, sandbox):
    late = refunded_later(sandbox)[0]
    until = day_of(late.created_at)
    pull_source("shopify", since=until - timedelta(days=3), until=until)
    cursor = datetime.fromisoformat(SyncState.objects.get(source="shopify").cursor)
    assert cursor < start_of(until + timedelta(days=1)) <= late.updated_at
    pull_source("shopify")  # incremental: from the cursor, nothing in between skipped
    since = start_of(until - timedelta(days=3))
    wanted = {o.gid for o in sandbox.data.orders if o.updated_at >= since}
    assert wanted <= set(Order.objects.values_list("external_id", flat=True))


def test_a_shopify_range_past_now_is_cut_at_now_with_a_note(etl_settings):
    today = timezone.localdate()
    messages = []
    with time_machine.travel(timezone.now(), tick=False):
        now = timezone.now()
        result = pull_source(
            "shopify",
            since=today - timedelta(days=2),
            until=today + timedelta(days=30),
            progress=messages.append,
        )
    note = f"--until {today + timedelta(days=30)} is in the future: pulling up to now"
    assert any(note in m for m in messages) and any(note in n for n in result.notes)
    assert result.rows_written > 0
    assert datetime.fromisoformat(SyncState.objects.get(source="shopify").cursor) <= now


@pytest.mark.parametrize("source", ["meta", "tiktok"])
def test_an_ad_platform_range_past_today_never_moves_the_cursor_into_the_future(etl_settings, source):
    with time_machine.travel(timezone.now(), tick=False):
        today = timezone.localdate()
        result = pull_source(source, since=today - timedelta(days=5), until=today + timedelta(days=30))
        todays = {
            a.external_id: timezone.now().astimezone(ZoneInfo(a.timezone)).date().isoformat()
            for a in AdAccount.objects.filter(platform=source)
        }
    assert dict(SyncState.objects.filter(source=source).values_list("account", "cursor")) == todays
    assert any(f"--until {today + timedelta(days=30)} is after today" in n for n in result.notes)


def test_an_ad_platform_range_entirely_in_the_future_pulls_nothing(etl_settings):
    with time_machine.travel(timezone.now(), tick=False):
        later = timezone.localdate() + timedelta(days=10)
        result = pull_source("meta", since=later, until=later + timedelta(days=5))
    assert result.rows_read == 0 and not SyncState.objects.exists()
    assert any("nothing to pull" in n for n in result.notes)


def test_a_shopify_range_entirely_in_the_future_pulls_nothing(etl_settings):
    later = timezone.localdate() + timedelta(days=10)
    result = pull_source("shopify", since=later, until=later + timedelta(days=5))
    assert (result.pages, result.rows_read) == (0, 0) and not SyncState.objects.exists()
    assert any(f"--since {later} is in the future: nothing to pull" in n for n in result.notes)
