"""Shopify Admin GraphQL API: orders with their lines and refunds.

- ``POST {base}/admin/api/{version}/graphql.json`` with the
  ``X-Shopify-Access-Token`` header (the REST Admin API is legacy since
  2024-10: https://shopify.dev/docs/api/admin-rest/usage/rate-limits).
- Paging: ``orders(first, after, query: "updated_at:>=...", sortKey: UPDATED_AT)``
  and ``pageInfo { hasNextPage endCursor }`` (a ranged pull adds
  ``created_at:<...``: ``etl.connectors.shopify_bulk.search_filter``).
- Rate limit: a leaky bucket of query cost. Every answer carries
  ``extensions.cost { requestedQueryCost, actualQueryCost, throttleStatus {
  maximumAvailable, currentlyAvailable, restoreRate } }``; a query whose
  requested cost exceeds what is available is refused with an error whose
  ``extensions.code`` is ``THROTTLED``
  (https://shopify.dev/docs/api/usage/limits#graphql-admin-api-rate-limits).
  We pace before each query so the bucket holds its cost, and a THROTTLED
  answer waits exactly until it does.
- Backfills longer than ``SHOPIFY_BULK_THRESHOLD_DAYS`` use a bulk operation
  (``etl.connectors.shopify_bulk``).
"""

import dataclasses
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from decimal import Decimal

import requests

from etl.conf import ShopifyConf
from etl.connectors import shopify_queries as q
from etl.connectors.records import LineRecord, OrderRecord, RefundRecord, money
from etl.errors import AuthError, ProviderError, TransientError
from etl.http import HttpClient, parse_json, retry_after, where

# Shopify refunds the difference between requested and actual cost, but a query
# must find its requested cost in the bucket. A little margin absorbs the time
# between Shopify measuring the bucket and our next request arriving.
PACING_MARGIN = 1.02


def gid_number(gid: str, what: str) -> int:
    """``gid://shopify/Order/5813472837781`` -> 5813472837781."""
    try:
        return int(str(gid).rsplit("/", 1)[1].split("?")[0])
    except (IndexError, ValueError) as exc:
        raise ProviderError(f"{what}: {gid!r} is not a Shopify GID") from exc


def parse_time(value: str | None, what: str) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ProviderError(f"{what}: {value!r} is not an ISO 8601 time") from exc
    if parsed.tzinfo is None:
        raise ProviderError(f"{what}: {value!r} has no time zone")
    return parsed


def shop_money(node: dict | None, what: str) -> Decimal | None:
    return money(((node or {}).get("shopMoney") or {}).get("amount"), what)


def customer_key(order: dict) -> str:
    """ "customer:<id>", else "email:<normalised email>" for a guest, else ""."""
    customer = order.get("customer") or {}
    if customer.get("id"):
        return f"customer:{gid_number(customer['id'], 'customer id')}"
    email = (order.get("email") or "").strip().lower()
    return f"email:{email}" if email else ""


def parse_line(node: dict, what: str) -> LineRecord:
    cost = ((node.get("variant") or {}).get("inventoryItem") or {}).get("unitCost") or {}
    discount = sum(
        (
            shop_money(a.get("allocatedAmountSet"), f"{what} discount") or Decimal(0)
            for a in node.get("discountAllocations") or []
        ),
        Decimal(0),
    )
    return LineRecord(
        external_id=gid_number(node["id"], what),
        sku=node.get("sku") or "",
        title=(node.get("title") or "")[:500],
        quantity=int(node.get("quantity") or 0),
        price=shop_money(node.get("originalUnitPriceSet"), f"{what} price") or Decimal(0),
        discount=discount,
        unit_cost=money(cost.get("amount"), f"{what} unit cost"),
    )


def returns_of(refund: dict, what: str) -> Decimal | None:
    lines = refund.get("refundLineItems")
    if lines is None:
        return None
    return sum(
        (shop_money(e["node"].get("subtotalSet"), what) or Decimal(0) for e in lines.get("edges") or []),
        Decimal(0),
    )


def parse_order(node: dict, lines: list[dict] | None = None) -> OrderRecord:
    """One order node (paged, or bulk with its line rows joined) -> a record."""
    what = f"Shopify order {node.get('id')}"
    try:
        line_nodes = lines if lines is not None else [e["node"] for e in node["lineItems"]["edges"]]
        refunds = [
            RefundRecord(
                external_id=gid_number(r["id"], f"{what} refund"),
                created_at=parse_time(r["createdAt"], f"{what} refund createdAt"),
                amount=shop_money(r.get("totalRefundedSet"), f"{what} refund") or Decimal(0),
                returns_amount=returns_of(r, f"{what} refund line"),
            )
            for r in node.get("refunds") or []
        ]
        return OrderRecord(
            external_id=gid_number(node["id"], what),
            name=node.get("name") or "",
            created_at=parse_time(node["createdAt"], f"{what} createdAt"),
            processed_at=parse_time(node.get("processedAt"), f"{what} processedAt"),
            updated_at=parse_time(node["updatedAt"], f"{what} updatedAt"),
            cancelled_at=parse_time(node.get("cancelledAt"), f"{what} cancelledAt"),
            test=bool(node.get("test")),
            currency=node.get("currencyCode") or node["totalPriceSet"]["shopMoney"]["currencyCode"],
            subtotal=shop_money(node.get("subtotalPriceSet"), f"{what} subtotal") or Decimal(0),
            discounts=shop_money(node.get("totalDiscountsSet"), f"{what} discounts") or Decimal(0),
            tax=shop_money(node.get("totalTaxSet"), f"{what} tax") or Decimal(0),
            shipping=shop_money(node.get("totalShippingPriceSet"), f"{what} shipping") or Decimal(0),
            total=shop_money(node.get("totalPriceSet"), f"{what} total") or Decimal(0),
            current_total=shop_money(node.get("currentTotalPriceSet"), f"{what} current total") or Decimal(0),
            customer_key=customer_key(node),
            lines=[parse_line(n, f"{what} line") for n in line_nodes],
            refunds=refunds,
        )
    except (KeyError, TypeError) as exc:
        raise ProviderError(f"{what}: malformed order ({type(exc).__name__}: {exc})") from exc


class Bucket:
    """Our view of Shopify's cost bucket, refilled by the clock between answers."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self.clock = clock
        self.available: float | None = None
        self.maximum = 0.0
        self.rate = 0.0
        self.seen_at = 0.0
        self.next_cost = 0.0

    def observe(self, extensions: dict | None) -> None:
        cost = (extensions or {}).get("cost") or {}
        status = cost.get("throttleStatus") or {}
        if not status:
            return
        self.available = float(status["currentlyAvailable"])
        self.maximum = float(status["maximumAvailable"])
        self.rate = float(status["restoreRate"])
        self.seen_at = self.clock()
        if cost.get("requestedQueryCost") is not None:
            self.next_cost = float(cost["requestedQueryCost"])

    def wait_for(self, cost: float) -> float:
        """Seconds until the bucket holds ``cost`` points (0 if it does now)."""
        if self.available is None or not self.rate:
            return 0.0
        now = min(self.maximum, self.available + (self.clock() - self.seen_at) * self.rate)
        need = min(cost * PACING_MARGIN, self.maximum)
        return max(0.0, (need - now) / self.rate)


class ShopifyClient:
    """GraphQL calls with cost-aware pacing; shared by paged and bulk pulls."""

    def __init__(self, conf: ShopifyConf, http: HttpClient, clock: Callable[[], float] = time.monotonic):
        self.conf = conf
        self.http = http
        self.bucket = Bucket(clock)
        self.throttled = 0
        # Requested cost by query document: pacing waits for what the next query will ask.
        self.costs: dict[tuple, float] = {}
        self._document: tuple = ()
        self.endpoint = f"{conf.base_url}/admin/api/{conf.version}/graphql.json"

    @staticmethod
    def headers(conf: ShopifyConf) -> dict[str, str]:
        return {"X-Shopify-Access-Token": conf.token, "Content-Type": "application/json"}

    def classify(self, response: requests.Response) -> dict:
        status = response.status_code
        if status == 401:
            raise AuthError(
                "Shopify answered 401: SHOPIFY_ACCESS_TOKEN (or the legacy SHOPIFY_PASSWORD) is invalid or "
                "was revoked; set a current Admin API access token"
            )
        if status == 403:
            raise AuthError(
                "Shopify answered 403: the token in SHOPIFY_ACCESS_TOKEN lacks the read_orders scope "
                "(read_all_orders for orders older than 60 days)"
            )
        if status == 404:
            raise AuthError(
                f"Shopify answered 404 at {where(response.url)}: check SHOPIFY_STORE and SHOPIFY_API_VERSION"
            )
        if status == 429 or status >= 500:
            raise TransientError(
                f"Shopify answered HTTP {status} at {where(response.url)}", wait=retry_after(response)
            )
        body = parse_json(response, "Shopify")
        if not response.ok or not isinstance(body, dict):
            raise ProviderError(f"Shopify answered HTTP {status} at {where(response.url)}")
        self.bucket.observe(body.get("extensions"))
        if self.bucket.maximum and self.bucket.available is not None:
            self.http.stats.saw_quota(100 * (1 - self.bucket.available / self.bucket.maximum))
        requested = ((body.get("extensions") or {}).get("cost") or {}).get("requestedQueryCost")
        if requested is not None and self._document:
            self.costs[self._document] = float(requested)
        errors = body.get("errors")
        if errors:
            codes = {((e.get("extensions") or {}).get("code")) for e in errors if isinstance(e, dict)}
            text = "; ".join(str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in errors)
            if "THROTTLED" in codes:
                self.throttled += 1
                cost = ((body.get("extensions") or {}).get("cost") or {}).get("requestedQueryCost") or 0
                raise TransientError(
                    f"Shopify throttled the query: {text}",
                    wait=self.bucket.wait_for(float(cost)),
                    throttled=True,
                )
            if "ACCESS_DENIED" in codes:
                raise AuthError(
                    f"Shopify denied access ({text}): the token in SHOPIFY_ACCESS_TOKEN lacks a scope"
                )
            raise ProviderError(f"Shopify GraphQL error: {text}")
        return body.get("data") or {}

    def pace(self, shape: tuple) -> float:
        return self.bucket.wait_for(self.costs.get(shape, self.bucket.next_cost))

    def query(self, document: str, variables: dict | None = None) -> dict:
        variables = variables or {}
        # A query's cost follows its document and how many objects it asks for.
        self._document = (document, variables.get("first"), len(variables.get("ids") or ()))
        wait = self.pace(self._document)
        if wait:
            self.http.wait(wait, "pacing to Shopify's cost bucket")
        return self.http.request(
            "POST", self.endpoint, self.classify, json_body={"query": document, "variables": variables}
        )

    def order_pages(self, search: str) -> Iterator[list[OrderRecord]]:
        """Pages of orders matching ``search`` (Shopify search syntax), oldest update first."""
        after = None
        while True:
            data = self.query(q.ORDERS_PAGE, {"first": self.conf.page_size, "after": after, "query": search})
            orders = data.get("orders")
            if not isinstance(orders, dict):
                raise ProviderError("Shopify orders: the answer has no orders connection")
            records = []
            for edge in orders.get("edges") or []:
                node = edge["node"]
                lines = [e["node"] for e in node["lineItems"]["edges"]]
                info = node["lineItems"].get("pageInfo") or {}
                if info.get("hasNextPage"):
                    lines += self.more_lines(node["id"], info.get("endCursor"))
                records.append(parse_order(node, lines))
            yield self.with_returns(records)
            info = orders.get("pageInfo") or {}
            if not info.get("hasNextPage"):
                return
            after = info.get("endCursor")

    def more_lines(self, order_gid: str, after: str | None) -> list[dict]:
        """The rest of a large order's line items, beyond the first page."""
        lines = []
        while after:
            node = self.query(q.MORE_LINES, {"id": order_gid, "after": after}).get("node") or {}
            connection = node.get("lineItems") or {}
            lines += [e["node"] for e in connection.get("edges") or []]
            info = connection.get("pageInfo") or {}
            after = info.get("endCursor") if info.get("hasNextPage") else None
        return lines

    def with_returns(self, records: list[OrderRecord]) -> list[OrderRecord]:
        """Fill refunds' returned-goods amounts (their refund line items), a few refunds a query."""
        wanted = [f"gid://shopify/Refund/{r.external_id}" for o in records for r in o.refunds]
        returns: dict[int, Decimal | None] = {}
        for start in range(0, len(wanted), q.REFUNDS_PER_QUERY):
            nodes = self.query(q.REFUND_RETURNS, {"ids": wanted[start : start + q.REFUNDS_PER_QUERY]})
            for node in nodes.get("nodes") or []:
                if node:
                    returns[gid_number(node["id"], "refund")] = returns_of(node, "Shopify refund line")
        if not returns:
            return records
        return [
            dataclasses.replace(
                o,
                refunds=[
                    dataclasses.replace(r, returns_amount=returns.get(r.external_id, r.returns_amount))
                    for r in o.refunds
                ],
            )
            for o in records
        ]
