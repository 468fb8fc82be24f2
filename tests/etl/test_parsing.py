"""Parsing provider payloads in their documented shapes (tests/etl/payloads, written from the docs)."""

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import requests
from requests.structures import CaseInsensitiveDict

from etl.conf import HttpConf, MetaConf
from etl.connectors.meta import MetaConnector, usage_pause
from etl.connectors.shopify import Bucket, ShopifyClient, customer_key, parse_order
from etl.connectors.shopify_bulk import BulkExport
from etl.connectors.tiktok import TikTokConnector
from etl.errors import AuthError, TransientError
from etl.http import HttpClient

PAYLOADS = Path(__file__).parent / "payloads"
HTTP = HttpConf(connect_timeout=1, read_timeout=1, max_retries=0, backoff_max=1, max_wait=10)


def load(name: str):
    return json.loads((PAYLOADS / name).read_text())


def headers(name: str) -> CaseInsensitiveDict:
    lines = (PAYLOADS / name).read_text().splitlines()[1:]
    return CaseInsensitiveDict(line.split(": ", 1) for line in lines if ": " in line)


def meta(windows=("7d_click", "1d_view"), purchase="offsite_conversion.fb_pixel_purchase") -> MetaConnector:
    conf = MetaConf("http://x", "v25.0", "t", ["act_1"], purchase, list(windows), 28, 90, 31)
    return MetaConnector(conf, HttpClient(HTTP, provider="Meta", headers={}))


def response(status: int, body, extra_headers: dict | None = None) -> requests.Response:
    reply = requests.Response()
    reply.status_code = status
    reply._content = json.dumps(body).encode() if not isinstance(body, bytes) else body
    reply.headers = CaseInsensitiveDict(extra_headers or {})
    reply.url = "http://sandbox/graphql.json"
    return reply


def test_it_counts_the_configured_purchase_once_not_purchase_and_omni_purchase_too():
    row = meta().parse_row(load("meta_insights_page1.json")["data"][0])
    assert row.conversions == Decimal(23)  # 21 within 7 days of a click + 2 within a day of a view
    assert row.conversion_value == Decimal("1534.20")
    assert (row.spend, row.impressions, row.clicks) == (Decimal("412.87"), 58211, 1094)
    assert row.date == date(2025, 3, 14)


def test_it_counts_only_the_requested_windows():
    row = meta(windows=["7d_click"]).parse_row(load("meta_insights_page1.json")["data"][0])
    assert (row.conversions, row.conversion_value) == (Decimal(21), Decimal("1402.90"))


def test_it_reads_zero_purchases_when_meta_leaves_the_action_out():
    row = meta().parse_row(load("meta_insights_page1.json")["data"][1])
    assert (row.conversions, row.conversion_value) == (Decimal(0), Decimal(0))


def test_it_waits_the_time_meta_says_access_returns():
    # estimated_time_to_regain_access is in minutes.
    assert usage_pause(headers("meta_rate_limit.headers")) == 4 * 60


def test_it_slows_down_when_meta_usage_nears_the_limit():
    assert usage_pause(CaseInsensitiveDict({"x-app-usage": '{"call_count": 88, "total_time": 10}'})) == 60
    assert usage_pause(CaseInsensitiveDict({"x-app-usage": '{"call_count": 20}'})) == 0


def test_it_treats_meta_rate_limit_errors_as_transient():
    with pytest.raises(TransientError, match="Meta error 80000/2446079"):
        meta().classify(response(400, load("meta_error_rate_limit.json")))


def test_it_stops_at_once_on_an_expired_meta_token_naming_the_setting():
    body = {
        "error": {
            "message": "Session has expired",
            "type": "OAuthException",
            "code": 190,
            "error_subcode": 463,
        }
    }
    with pytest.raises(AuthError, match="META_ACCESS_TOKEN was refused"):
        meta().classify(response(400, body))


def test_it_turns_tiktok_dash_metrics_into_null_and_reads_purchase_value():
    rows = [TikTokConnector.parse_row(r) for r in load("tiktok_report_page1.json")["data"]["list"]]
    assert rows[0].conversion_value == Decimal("837.90")  # total_complete_payment_rate
    assert rows[0].conversions == Decimal(14)  # complete_payment
    assert rows[0].date == date(2025, 3, 14)
    dashed = TikTokConnector.parse_row(
        {
            "dimensions": {"campaign_id": "1", "stat_time_day": "2025-03-14 00:00:00"},
            "metrics": {"spend": "1.00", "complete_payment": "-", "total_complete_payment_rate": "-"},
        }
    )
    assert (dashed.conversions, dashed.conversion_value, dashed.impressions) == (None, None, None)


def test_it_treats_tiktok_40100_in_an_http_200_as_a_rate_limit():
    connector = TikTokConnector(None, None)
    with pytest.raises(TransientError, match="TikTok error 40100") as caught:
        connector.classify(response(200, load("tiktok_error_ratelimit.json")))
    assert caught.value.throttled


def test_it_reads_shopify_orders_in_shop_money_with_ids_from_gids():
    node = load("shopify_graphql_orders.json")["data"]["orders"]["edges"][0]["node"]
    order = parse_order({**node, "lineItems": {"edges": []}})
    assert order.external_id == 5813472837781
    assert order.currency == "EUR"  # shopMoney, not the buyer's GBP
    assert (order.total, order.subtotal, order.discounts, order.tax) == (
        Decimal("94.85"),
        Decimal("89.9"),
        Decimal("10.0"),
        Decimal("15.98"),
    )
    assert order.created_at == datetime(2025, 3, 14, 20, 7, 44, tzinfo=UTC)
    assert order.customer_key == "customer:7201938475521"


def test_it_keys_a_guest_by_normalised_email():
    assert (
        customer_key({"customer": None, "email": "  Jane.Doe@Example.COM "}) == "email:jane.doe@example.com"
    )
    assert customer_key({"customer": None, "email": None}) == ""


def test_it_joins_bulk_line_rows_to_their_order_by_parent_id():
    flow = load("shopify_bulk_operation_flow.json")
    order_row, line_row = flow["3_jsonl_lines_example"]
    client = ShopifyClient.__new__(ShopifyClient)
    client.with_returns = lambda records: records
    export = BulkExport(client, None)
    # The child row comes first: the join must not rely on ordering.
    [order] = export.orders([line_row, {**order_row, "refunds": []}])
    assert [(line.sku, line.quantity, line.price) for line in order.lines] == [
        ("TEE-BLK-M", 2, Decimal("29.99"))
    ]


def test_it_waits_for_the_shopify_bucket_to_hold_a_throttled_query():
    now = [100.0]
    bucket = Bucket(clock=lambda: now[0])
    bucket.observe(load("shopify_graphql_throttled.json")["extensions"])
    # 752 requested, 666 available, 50 points a second: about 1.7 s (plus a small margin).
    assert 1.7 < bucket.wait_for(752) < 2.1
    now[0] += 5
    assert bucket.wait_for(752) == 0
