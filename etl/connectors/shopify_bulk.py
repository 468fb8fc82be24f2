"""Shopify bulk operations: a long backfill in one asynchronous export.

Flow (https://shopify.dev/docs/api/usage/bulk-operations/queries):
``bulkOperationRunQuery`` -> poll the operation (``node(id:)``) until
``COMPLETED`` -> download the JSONL file at ``url``. Child rows (line items)
carry ``__parentId`` and are not guaranteed to follow their parent, so the
whole file is read before orders are assembled. Only one bulk query runs per
shop and app before API 2026-01: when Shopify says one is already in progress
we look at ``currentBulkOperation`` and resume it if it is the same export.

A restarted pull resumes the operation it started (its id is kept in the
source's sync state), so a restart never pays for a second export.
"""

import contextlib
import json
import time
from collections.abc import Callable

import requests

from etl.connectors import shopify_queries as q
from etl.connectors.records import OrderRecord
from etl.connectors.shopify import ShopifyClient, parse_order
from etl.errors import AuthError, ProviderError, TransientError
from etl.http import HttpClient, where

RUNNING = {"CREATED", "RUNNING", "CANCELING"}
FAILED = {"FAILED", "CANCELED", "EXPIRED"}
BULK_TIMEOUT = 6 * 3600  # bulk queries may take hours on a large store


def search_filter(since_iso: str, until_iso: str | None) -> str:
    """Orders to read: changed since ``since_iso`` and, for a range, placed before ``until_iso``.

    A range's figures need every order placed in it, in its current state
    (refunded or edited since, after the range too), and every order changed in
    it (a refund in the range on an earlier order). Each such order was placed
    before the range's end and last updated after its start, and the search has
    no filter on when a refund was made: an ``updated_at`` upper bound would
    miss both an order of the range refunded later and an order refunded in
    the range and edited again afterwards.
    """
    text = f"updated_at:>='{since_iso}'"
    return text + (f" AND created_at:<'{until_iso}'" if until_iso else "")


class BulkExport:
    def __init__(
        self,
        client: ShopifyClient,
        download_http: HttpClient,
        *,
        progress: Callable[[str], None] = lambda _: None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        poll_interval: float = 1.0,
    ):
        self.client = client
        self.download_http = download_http
        self.progress = progress
        self.sleep = sleep
        self.clock = clock
        self.poll_interval = poll_interval

    def query_text(self, search: str) -> str:
        return q.BULK_ORDERS.replace("__FILTER__", search.replace('"', '\\"'))

    def start(self, search: str) -> str:
        """Start the export for ``search``. If Shopify is already running one for this app:
        resume it when it is the same export, else wait for it to end and start ours."""
        text = self.query_text(search)
        for attempt in range(2):
            data = self.client.query(q.BULK_RUN, {"query": text})["bulkOperationRunQuery"]
            operation = data.get("bulkOperation")
            if operation:
                return operation["id"]
            messages = "; ".join(e.get("message", "") for e in data.get("userErrors") or [])
            if "already in progress" not in messages or attempt:
                break
            current = self.client.query(q.CURRENT_BULK).get("currentBulkOperation") or {}
            if current.get("status") in RUNNING and " ".join(current.get("query", "").split()) == " ".join(
                text.split()
            ):
                self.progress(f"resuming bulk operation {current['id']} already running")
                return current["id"]
            self.progress(f"waiting for bulk operation {current.get('id')} already running to end")
            # If it fails or is cancelled instead, it is out of the way all the same.
            with contextlib.suppress(ProviderError):
                self.wait(current["id"])
        raise ProviderError(f"Shopify refused the bulk query: {messages or data}")

    def status(self, operation_id: str) -> dict:
        return self.client.query(q.BULK_STATUS, {"id": operation_id}).get("node") or {}

    def wait(self, operation_id: str) -> str | None:
        """Poll until the operation completes; its JSONL URL (None when it found nothing)."""
        started, interval = self.clock(), self.poll_interval
        while True:
            op = self.status(operation_id)
            state = op.get("status")
            if state == "COMPLETED":
                self.progress(f"bulk operation completed: {op.get('objectCount', 0)} objects")
                return op.get("url")
            if state in FAILED or not state:
                code = op.get("errorCode")
                if code == "ACCESS_DENIED":
                    raise AuthError(
                        "Shopify bulk operation ACCESS_DENIED: the token in SHOPIFY_ACCESS_TOKEN "
                        "lacks read_orders"
                    )
                raise ProviderError(
                    f"Shopify bulk operation {operation_id} ended {state} ({code or 'no code'})"
                )
            if self.clock() - started > BULK_TIMEOUT:
                raise ProviderError(
                    f"Shopify bulk operation {operation_id} still {state} after {BULK_TIMEOUT} s"
                )
            self.progress(f"bulk operation {state.lower()}: {op.get('objectCount', 0)} objects so far")
            self.sleep(interval)
            interval = min(interval * 2, 30.0)

    def reusable(self, operation_id: str) -> bool:
        """Whether a stored operation can still be waited on or downloaded."""
        try:
            state = self.status(operation_id).get("status")
        except ProviderError:
            return False
        return state in RUNNING or state == "COMPLETED"

    def download(self, url: str) -> list[dict]:
        def classify(response: requests.Response) -> list[dict]:
            if response.status_code == 429 or response.status_code >= 500:
                raise TransientError(f"bulk download answered HTTP {response.status_code}")
            if not response.ok:
                raise ProviderError(
                    f"bulk download answered HTTP {response.status_code} at {where(response.url)} "
                    "(the file's URL lasts 7 days)"
                )
            rows = []
            for number, line in enumerate(response.text.splitlines(), 1):
                if not line.strip():
                    continue
                try:
                    rows.append(json.loads(line))
                except ValueError as exc:
                    raise TransientError(f"bulk download line {number} is truncated or invalid JSON") from exc
            return rows

        # The file lives on a storage host: no Shopify token goes there.
        return self.download_http.request("GET", url, classify)

    def orders(self, rows: list[dict]) -> list[OrderRecord]:
        parents: dict[str, dict] = {}
        children: dict[str, list[dict]] = {}
        for row in rows:
            parent = row.get("__parentId")
            if parent:
                children.setdefault(parent, []).append(row)
            elif "/Order/" in str(row.get("id")):
                parents[row["id"]] = row
        orphans = set(children) - set(parents)
        if orphans:
            raise ProviderError(f"bulk file has line items of {len(orphans)} orders it does not contain")
        return self.client.with_returns(
            [parse_order(node, children.get(gid, [])) for gid, node in parents.items()]
        )
