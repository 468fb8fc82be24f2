"""Fixtures for the ETL tests: a sandbox on 127.0.0.1 and settings pointing at it."""

import time

import pytest
from django.db import connection

import etl.connectors.meta
import etl.connectors.tiktok  # noqa: F401 (imported so the fixture can patch them)
from etl import connectors
from etl.models import AdInsightDaily, Order, OrderLine, Refund, SyncState
from etl.sandbox.server import start
from tests.services import require_postgres


@pytest.fixture(scope="session")
def sandbox():
    # A fast bucket: pacing and THROTTLED waits stay in milliseconds.
    handle = start(days=40, orders_per_day=8, bulk_seconds=0.05, bucket=(2000.0, 40000.0))
    yield handle
    handle.stop()


@pytest.fixture
def etl_settings(settings, sandbox, monkeypatch):
    for name, value in sandbox.settings().items():
        setattr(settings, name, value)
    settings.ETL_HTTP_READ_TIMEOUT = 0.5
    settings.ETL_HTTP_CONNECT_TIMEOUT = 0.5
    settings.ETL_HTTP_MAX_RETRIES = 3
    settings.META_DAYS_PER_REQUEST = 10
    settings.META_INITIAL_DAYS = 30
    settings.TIKTOK_INITIAL_DAYS = 40
    settings.SHOPIFY_INITIAL_DAYS = 20
    settings.SHOPIFY_PAGE_SIZE = 25
    settings.ETL_BATCH_SIZE = 40
    # Small pages so faults can land mid-paging.
    monkeypatch.setattr(connectors.meta, "PAGE_LIMIT", 12)
    monkeypatch.setattr(connectors.tiktok, "PAGE_SIZE", 25)
    sandbox.clear_faults()
    yield settings
    sandbox.clear_faults()


class Waits(list):
    """A sleep that records what was asked and sleeps at most 50 ms of it."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)
        time.sleep(min(seconds, 0.05))


@pytest.fixture
def waits():
    return Waits()


INSIGHT_COLUMNS = (
    "platform", "account__external_id", "campaign__external_id", "date", "spend", "impressions", "clicks",
    "conversions", "conversion_value", "currency",
)  # fmt: skip
ORDER_COLUMNS = (
    "shop", "external_id", "updated_at", "cancelled_at", "test", "total", "current_total", "customer_key",
)  # fmt: skip


def snapshot() -> dict:
    """Every loaded row by natural key, with its values: equal snapshots, equal tables."""
    return {
        "insights": sorted(AdInsightDaily.objects.values_list(*INSIGHT_COLUMNS)),
        "orders": sorted(Order.objects.values_list(*ORDER_COLUMNS)),
        "lines": sorted(
            OrderLine.objects.values_list("order__external_id", "external_id", "quantity", "price")
        ),
        "refunds": sorted(
            Refund.objects.values_list("order__external_id", "external_id", "amount", "returns_amount")
        ),
    }


def cursors() -> dict:
    return dict(SyncState.objects.values_list("account", "cursor"))


def wipe() -> None:
    for model in (Refund, OrderLine, Order, AdInsightDaily, SyncState):
        model.objects.all().delete()


@pytest.fixture(params=["copy", "copy-on_conflict", "orm"])
def load_strategy(request, settings) -> str:
    """Each loader test runs through both write paths; COPY + merge needs PostgreSQL (CI).

    The COPY path runs twice: existing rows written by MERGE, then by
    INSERT ... ON CONFLICT DO UPDATE (``ETL_COPY_MERGE``).
    """
    strategy, _, statement = request.param.partition("-")
    if strategy == "copy":
        require_postgres(connection)
        settings.ETL_COPY_MERGE = statement or "merge"
    return strategy
