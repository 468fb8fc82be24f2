"""The sandbox's Shopify Admin GraphQL API: ``POST /admin/api/<version>/graphql.json``.

Not a GraphQL engine: it recognises the documents the connector sends
(orders page, more line items, refund line items, bulk run/poll/current) and
answers in the documented shapes: GIDs, money as strings under ``shopMoney``,
``pageInfo``, ``extensions.cost`` with ``throttleStatus``, ``THROTTLED`` errors
(https://shopify.dev/docs/api/admin-graphql/latest/objects/Order,
https://shopify.dev/docs/api/usage/limits, reference/payloads/shopify_*.json).

Query cost, a simplified version of Shopify's calculation: an orders page
requests ``2 + first x (3 + lineItems first + refunds first)`` points and
costs the same formula over what it returned; a query over 1,000 requested
points is refused (MAX_COST_EXCEEDED). The bucket is a real leaky bucket:
it refills at ``restore_rate`` points a second up to ``maximum``, and a query
whose requested cost is not available is THROTTLED.
"""

import json
import re
import threading
import time
from datetime import datetime
from decimal import Decimal

from etl.sandbox.data import Order, SandboxData
from etl.sandbox.faults import Fault
from etl.sandbox.replies import Reply, page_offset, page_token
from etl.sandbox.search import SearchError, compile_search

ROUTE = re.compile(r"^/admin/api/(\d{4}-\d{2})/graphql\.json$")
MAX_QUERY_COST = 1000


class LeakyBucket:
    def __init__(self, maximum: float = 2000.0, restore_rate: float = 100.0):
        self.lock = threading.Lock()
        self.configure(maximum, restore_rate)

    def configure(self, maximum: float, restore_rate: float) -> None:
        with self.lock:
            self.maximum, self.rate = float(maximum), float(restore_rate)
            self.level, self.at = self.maximum, time.monotonic()
            self.throttled = 0
            self.spent = 0.0

    def _refill(self) -> None:
        now = time.monotonic()
        self.level = min(self.maximum, self.level + (now - self.at) * self.rate)
        self.at = now

    def drain(self) -> None:
        with self.lock:
            self._refill()
            self.level = 0.0

    def charge(self, requested: float) -> bool:
        with self.lock:
            self._refill()
            if requested > self.level:
                self.throttled += 1
                return False
            self.level -= requested
            return True

    def refund(self, points: float, spent: float) -> None:
        with self.lock:
            self.level = min(self.maximum, self.level + points)
            self.spent += spent

    def status(self) -> dict:
        with self.lock:
            self._refill()
            return {
                "maximumAvailable": self.maximum,
                "currentlyAvailable": int(self.level),
                "restoreRate": self.rate,
            }


def amount(value: Decimal) -> str:
    """Shopify's Decimal scalar: "89.9", "10.0", "94.85"."""
    text = f"{value:.2f}".rstrip("0")
    return text + "0" if text.endswith(".") else text


def money(value: Decimal, currency: str | None = None) -> dict:
    shop = {"amount": amount(value)}
    if currency:
        shop["currencyCode"] = currency
    return {"shopMoney": shop}


def iso(moment: datetime | None) -> str | None:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


def order_json(order: Order, currency: str, *, bulk: bool = False, lines_first: int = 250) -> dict:
    node = {
        "id": f"gid://shopify/Order/{order.gid}",
        "name": order.name,
        "email": order.email or (f"customer{order.customer_id}@example.com" if order.customer_id else None),
        "createdAt": iso(order.created_at),
        "processedAt": iso(order.created_at),
        "updatedAt": iso(order.updated_at),
        "cancelledAt": iso(order.cancelled_at),
        "test": order.test,
        "currencyCode": currency,
        "customer": {"id": f"gid://shopify/Customer/{order.customer_id}"} if order.customer_id else None,
        "subtotalPriceSet": money(order.subtotal),
        "totalDiscountsSet": money(order.discounts),
        "totalTaxSet": money(order.tax),
        "totalShippingPriceSet": money(order.shipping),
        "totalPriceSet": money(order.total, currency),
        "currentTotalPriceSet": money(order.current_total),
        "refunds": [
            {
                "id": f"gid://shopify/Refund/{r.gid}",
                "createdAt": iso(r.created_at),
                "totalRefundedSet": money(r.amount),
            }
            for r in order.refunds
        ],
    }
    if not bulk:
        node["lineItems"] = lines_connection(order, 0, lines_first)
    return node


def line_json(line) -> dict:
    return {
        "id": f"gid://shopify/LineItem/{line.external_id}",
        "sku": line.sku,
        "title": line.title,
        "quantity": line.quantity,
        "originalUnitPriceSet": money(line.price),
        "discountAllocations": [{"allocatedAmountSet": money(line.discount)}] if line.discount else [],
        "variant": {
            "inventoryItem": {"unitCost": {"amount": amount(line.unit_cost)} if line.unit_cost else None}
        },
    }


def lines_connection(order: Order, offset: int, first: int) -> dict:
    chosen = order.lines[offset : offset + first]
    more = offset + len(chosen) < len(order.lines)
    return {
        "pageInfo": {"hasNextPage": more, "endCursor": page_token(offset + len(chosen)) if chosen else None},
        "edges": [{"node": line_json(line)} for line in chosen],
    }


def matching(data: SandboxData, search: str) -> list[Order]:
    """The orders ``search`` selects (Shopify search syntax), oldest update first."""
    wanted = compile_search(search)
    return sorted((o for o in data.orders if wanted(o)), key=lambda o: (o.updated_at, o.gid))


def first_of(document: str, field: str, default: int) -> int:
    found = re.search(rf"{field}\(first:\s*(\d+)", document)
    return int(found.group(1)) if found else default


class ShopifyApi:
    def __init__(self, data: SandboxData, base_url: str, bucket: LeakyBucket, bulk_seconds: float = 0.3):
        self.data, self.base_url, self.bucket, self.bulk_seconds = data, base_url, bucket, bulk_seconds
        self.lock = threading.Lock()
        self.operations: list[dict] = []

    def handle(self, path: str, headers, body: bytes, fault: Fault | None) -> Reply:
        if not ROUTE.match(path):
            return Reply(404, {"errors": "Not Found"})
        if not headers.get("X-Shopify-Access-Token"):
            return Reply(
                401,
                {"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"},
            )
        if fault and fault.kind == "expired_token":
            return Reply(
                401,
                {"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"},
            )
        try:
            request = json.loads(body or b"{}")
            document, variables = request["query"], request.get("variables") or {}
        except (ValueError, KeyError, TypeError):
            return Reply(400, {"errors": {"query": "Required parameter missing or invalid"}})
        if fault and fault.kind == "shopify_throttled":
            self.bucket.drain()
        handler, requested = self.route(document, variables)
        if requested > MAX_QUERY_COST:
            limit = f"the single query max cost limit ({MAX_QUERY_COST})"
            message = f"Query cost is {requested}, which exceeds {limit}."
            return Reply(200, {"errors": [{"message": message, "extensions": {"code": "MAX_COST_EXCEEDED"}}]})
        if not self.bucket.charge(requested):
            return Reply(
                200,
                {
                    "errors": [
                        {
                            "message": "Throttled",
                            "extensions": {
                                "code": "THROTTLED",
                                "documentation": "https://shopify.dev/api/usage/limits",
                            },
                        }
                    ],
                    "extensions": {"cost": self.cost(requested, None)},
                },
            )
        try:
            data, actual = handler(document, variables)
        except SearchError as exc:
            self.bucket.refund(requested, 0)
            message = f"Invalid search query: {exc}"
            return Reply(200, {"errors": [{"message": message, "extensions": {"code": "BAD_REQUEST"}}]})
        self.bucket.refund(requested - actual, actual)
        return Reply(200, {"data": data, "extensions": {"cost": self.cost(requested, actual)}})

    def cost(self, requested: float, actual: float | None) -> dict:
        return {
            "requestedQueryCost": requested,
            "actualQueryCost": actual,
            "throttleStatus": self.bucket.status(),
        }

    def route(self, document: str, variables: dict):
        if "bulkOperationRunQuery" in document:
            return self.run_bulk, 10
        if "currentBulkOperation" in document:
            return self.current_bulk, 1
        if "on BulkOperation" in document:
            return self.bulk_status, 1
        if "nodes(ids:" in document:
            return self.refund_lines, 1 + len(variables.get("ids") or []) * (
                3 + first_of(document, "refundLineItems", 50)
            )
        if "on Order" in document:
            return self.more_lines, 2 + first_of(document, "lineItems", 250)
        if "orders(" in document:
            per_order = 3 + first_of(document, "lineItems", 0) + first_of(document, "refunds", 0)
            return self.orders_page, 2 + int(variables.get("first") or 0) * per_order
        return (lambda d, v: ({}, 1)), 1

    def orders_page(self, document: str, variables: dict):
        rows = matching(self.data, variables.get("query") or "")
        first = min(int(variables.get("first") or 50), 250)
        offset = max(0, page_offset(variables.get("after")))
        chosen = rows[offset : offset + first]
        lines_first = first_of(document, "lineItems", 250)
        edges = [{"node": order_json(o, self.data.currency, lines_first=lines_first)} for o in chosen]
        more = offset + len(chosen) < len(rows)
        actual = 2 + sum(3 + min(len(o.lines), lines_first) + len(o.refunds) for o in chosen)
        info = {"hasNextPage": more, "endCursor": page_token(offset + len(chosen)) if chosen else None}
        return {"orders": {"pageInfo": info, "edges": edges}}, actual

    def more_lines(self, document: str, variables: dict):
        gid = int(str(variables.get("id")).rsplit("/", 1)[-1])
        order = next((o for o in self.data.orders if o.gid == gid), None)
        if order is None:
            return {"node": None}, 1
        connection = lines_connection(order, max(0, page_offset(variables.get("after"))), 250)
        return {"node": {"lineItems": connection}}, 2 + len(connection["edges"])

    def refund_lines(self, document: str, variables: dict):
        refunds = {f"gid://shopify/Refund/{r.gid}": r for o in self.data.orders for r in o.refunds}
        nodes = []
        for gid in variables.get("ids") or []:
            refund = refunds.get(gid)
            edge = {"node": {"subtotalSet": money(refund.returns)}} if refund else None
            nodes.append({"id": gid, "refundLineItems": {"edges": [edge]}} if refund else None)
        return {"nodes": nodes}, 1 + 4 * len(nodes)

    # --- bulk operations ---------------------------------------------------------------

    def _state(self, op: dict) -> dict:
        if op["status"] == "RUNNING" and time.monotonic() - op["created"] >= self.bulk_seconds:
            op["status"] = "COMPLETED"
            op["url"] = f"{self.base_url}/_sandbox/bulk/{op['number']}.jsonl" if op["count"] else None
        return {
            "id": op["id"],
            "status": op["status"],
            "errorCode": None,
            "objectCount": str(op["count"] if op["status"] == "COMPLETED" else op["count"] // 2),
            "rootObjectCount": str(op["roots"]),
            "url": op.get("url"),
            "partialDataUrl": None,
            "query": op["query"],
        }

    def run_bulk(self, document: str, variables: dict):
        text = variables.get("query") or ""
        with self.lock:
            for op in self.operations:
                if self._state(op)["status"] == "RUNNING":
                    message = (
                        f"A bulk query operation for this app and shop is already in progress: {op['id']}."
                    )
                    return {
                        "bulkOperationRunQuery": {
                            "bulkOperation": None,
                            "userErrors": [{"field": None, "message": message}],
                        }
                    }, 10
            found = re.search(r'orders\(query: "((?:[^"\\]|\\.)*)"', text)
            rows = matching(self.data, found.group(1).replace('\\"', '"') if found else "")
            number = 4410987654321 + len(self.operations)
            op = {
                "id": f"gid://shopify/BulkOperation/{number}",
                "number": number,
                "status": "RUNNING",
                "created": time.monotonic(),
                "query": text,
                "rows": rows,
                "roots": len(rows),
                "count": len(rows) + sum(len(o.lines) for o in rows),
            }
            self.operations.append(op)
        return {
            "bulkOperationRunQuery": {
                "bulkOperation": {"id": op["id"], "status": "CREATED"},
                "userErrors": [],
            }
        }, 10

    def find(self, gid: str) -> dict | None:
        return next((op for op in self.operations if op["id"] == gid), None)

    def bulk_status(self, document: str, variables: dict):
        with self.lock:
            op = self.find(variables.get("id"))
            return {"node": self._state(op) if op else None}, 1

    def current_bulk(self, document: str, variables: dict):
        with self.lock:
            return {"currentBulkOperation": self._state(self.operations[-1]) if self.operations else None}, 1

    def bulk_file(self, number: str) -> bytes | None:
        with self.lock:
            op = next((o for o in self.operations if str(o["number"]) == number), None)
        if op is None:
            return None
        currency = self.data.currency
        parents = [json.dumps(order_json(o, currency, bulk=True)) for o in op["rows"]]
        # Children after all parents: clients must not rely on ordering.
        children = [
            json.dumps({**line_json(line), "__parentId": f"gid://shopify/Order/{o.gid}"})
            for o in op["rows"]
            for line in o.lines
        ]
        return ("\n".join(parents + children) + "\n").encode()
