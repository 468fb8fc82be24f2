"""Pulling from the sandbox: what lands in the tables, idempotence, cursors, dry runs."""

import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from etl.models import AdAccount, AdInsightDaily, FirstOrder, Order, Refund, SyncState
from etl.pull import pull_source
from tests.etl.conftest import cursors, snapshot, wipe

pytestmark = pytest.mark.django_db


def test_it_loads_meta_accounts_in_their_own_currency_and_time_zone(etl_settings):
    result = pull_source("meta")
    assert result.accounts == ["act_1000000001", "act_1000000002"]
    eu = AdAccount.objects.get(external_id="act_1000000002")
    assert (eu.currency, eu.timezone) == ("EUR", "Europe/Berlin")
    assert set(AdInsightDaily.objects.filter(account=eu).values_list("currency", flat=True)) == {"EUR"}
    assert result.rows_written == AdInsightDaily.objects.count() > 0


def test_it_stores_meta_purchases_once_although_three_action_types_report_them(etl_settings, sandbox):
    pull_source("meta")
    account = sandbox.data.account("meta", "act_1000000001")
    expected = {
        (r.campaign_id, r.day): (Decimal(r.purchases_click + r.purchases_view), r.value_click + r.value_view)
        for r in sandbox.data.insights(account)
    }
    loaded = AdInsightDaily.objects.filter(account__external_id="act_1000000001")
    assert loaded.count() > 0
    for row in loaded.select_related("campaign"):
        assert (row.conversions, row.conversion_value) == expected[(row.campaign.external_id, row.date)]


def test_it_stores_tiktok_dash_metrics_as_null(etl_settings):
    pull_source("tiktok")
    untracked = AdInsightDaily.objects.filter(campaign__external_id="1826400000000003")
    assert untracked.exists()
    assert set(untracked.values_list("conversions", "conversion_value")) == {(None, None)}
    assert AdInsightDaily.objects.filter(platform="tiktok", conversion_value__gt=0).exists()


def test_it_loads_shopify_orders_with_lines_refunds_test_and_cancelled_flags(etl_settings):
    pull_source("shopify")
    assert Order.objects.filter(test=True).exists()
    assert Order.objects.exclude(cancelled_at=None).exists()
    refund = Refund.objects.filter(order__cancelled_at=None).select_related("order").first()
    assert refund is not None
    assert refund.created_at - refund.order.created_at >= timedelta(days=2)  # its own day, not the order's
    assert refund.returns_amount is not None
    assert refund.order.current_total == refund.order.total - refund.amount
    keys = set(Order.objects.values_list("customer_key", flat=True))
    assert any(k.startswith("customer:") for k in keys)
    assert any(k.startswith("email:") and k == k.lower() and " " not in k for k in keys)
    assert not FirstOrder.objects.exists()  # left to the metrics step


def test_it_reads_every_line_of_a_large_order(etl_settings, sandbox):
    etl_settings.SHOPIFY_INITIAL_DAYS = 40
    etl_settings.SHOPIFY_BULK_THRESHOLD_DAYS = 100  # paged: lineItems(first: 20) then the rest
    big = [o for o in sandbox.data.orders if len(o.lines) > 20]
    if not big:
        pytest.skip("this seed has no large order")  # pragma: no cover
    pull_source("shopify")
    assert Order.objects.get(external_id=big[0].gid).lines.count() == len(big[0].lines)


def test_it_writes_the_same_rows_when_run_twice(etl_settings):
    for source in ("meta", "tiktok", "shopify"):
        pull_source(source)
    first = snapshot()
    for source in ("meta", "tiktok", "shopify"):
        pull_source(source, full_refresh=True)
    assert snapshot() == first


def test_it_gives_the_same_rows_from_a_bulk_operation_as_from_pages(etl_settings):
    etl_settings.SHOPIFY_BULK_THRESHOLD_DAYS = 5
    bulk = pull_source("shopify")
    assert bulk.mode == "bulk"
    by_bulk = snapshot()
    wipe()
    etl_settings.SHOPIFY_BULK_THRESHOLD_DAYS = 100
    assert pull_source("shopify").mode == "pages"
    assert snapshot() == by_bulk


def test_it_moves_the_shopify_cursor_to_the_last_committed_update(etl_settings):
    pull_source("shopify")
    newest = Order.objects.order_by("-updated_at").first().updated_at
    state = SyncState.objects.get(source="shopify")
    assert state.cursor == newest.isoformat()
    assert "bulk" not in state.extra


def test_it_resumes_shopify_from_the_cursor_minus_the_overlap(etl_settings):
    pull_source("shopify")
    cursor = Order.objects.order_by("-updated_at").first().updated_at
    again = pull_source("shopify")
    assert again.mode == "pages"
    start = cursor - timedelta(minutes=etl_settings.SHOPIFY_OVERLAP_MINUTES)
    assert again.rows_read == Order.objects.filter(updated_at__gte=start).count() >= 1


def test_it_repulls_the_lookback_window_of_the_ad_platforms(etl_settings, waits):
    pull_source("tiktok")
    again = pull_source("tiktok")
    days = set(AdInsightDaily.objects.values_list("date", flat=True))
    assert len(days) > etl_settings.TIKTOK_LOOKBACK_DAYS
    assert 0 < again.rows_read < AdInsightDaily.objects.count()


def test_a_dry_run_reads_but_writes_nothing(etl_settings):
    result = pull_source("meta", dry_run=True)
    assert result.rows_read > 0 and result.rows_written == 0
    assert not AdInsightDaily.objects.exists() and not AdAccount.objects.exists() and not cursors()


def test_a_manual_pull_of_an_old_window_leaves_the_cursor_alone(etl_settings):
    pull_source("meta")
    before = cursors()
    today = timezone.localdate()
    pull_source("meta", since=today - timedelta(days=20), until=today - timedelta(days=15))
    assert cursors() == before


def test_it_sends_the_meta_token_in_a_header_never_in_the_url(etl_settings, sandbox):
    before = sandbox.stats()["token_in_url"]
    pull_source("meta")
    assert sandbox.stats()["token_in_url"] == before


def test_it_resumes_the_bulk_operation_it_started_after_a_restart(etl_settings, sandbox):
    etl_settings.SHOPIFY_BULK_THRESHOLD_DAYS = 5
    operations = sandbox.box.shopify.operations
    before = len(operations)

    def die_once_the_export_is_ready(message: str) -> None:
        if message.startswith("bulk operation completed"):
            raise KeyboardInterrupt  # the worker restarts before downloading

    with pytest.raises(KeyboardInterrupt):
        pull_source("shopify", progress=die_once_the_export_is_ready)
    assert SyncState.objects.get(source="shopify").extra["bulk"]["id"] == operations[-1]["id"]
    messages = []
    result = pull_source("shopify", progress=messages.append)
    assert len(operations) == before + 1  # no second export
    assert any(m.startswith("resuming bulk operation") for m in messages)
    assert result.rows_read == Order.objects.count() > 0
    assert "bulk" not in SyncState.objects.get(source="shopify").extra


def test_it_waits_for_a_bulk_operation_already_running_then_starts_its_own(etl_settings, sandbox):
    etl_settings.SHOPIFY_BULK_THRESHOLD_DAYS = 5
    sandbox.box.shopify.bulk_seconds = 0.5
    try:
        first = pull_source("shopify", dry_run=True)  # starts an export, records nothing
        operations = sandbox.box.shopify.operations
        operations[-1]["status"] = "RUNNING"
        operations[-1]["created"] = time.monotonic()
        messages = []
        again = pull_source("shopify", dry_run=True, progress=messages.append)
    finally:
        sandbox.box.shopify.bulk_seconds = 0.05
    assert any(m.startswith("waiting for bulk operation") for m in messages)
    assert again.rows_read == first.rows_read
