"""The nightly chord shared by two real workers on different queues (Redis broker), against the sandbox.

Worker A serves only the pulls' queue; worker B serves the pulls' and the
metrics' queues. The first request any pull makes is held in the sandbox, so
the worker that took that pull is busy until the test releases it: every
other pull must be taken by the other worker. Then the same night runs again
on worker B alone, from empty tables: the rows must be the same.
"""

import re
import time
import uuid
from contextlib import ExitStack
from datetime import timedelta

import pytest

from etl.metrics.days import yesterday
from etl.metrics.demo_fx import fill_demo_rates
from etl.models import (
    AdAccount,
    AdInsightDaily,
    Campaign,
    DailyMetric,
    FirstOrder,
    Order,
    OrderLine,
    Refund,
    SyncState,
)
from health.models import JobRun
from tests.integration.conftest import worker_process

start = pytest.importorskip("etl.sandbox.server").start

pytestmark = [pytest.mark.integration, pytest.mark.redis, pytest.mark.postgres]
DAYS = 7
PULLS = 4  # Meta's two ad accounts, TikTok's advertiser, the shop
ADS = ["meta", "tiktok"]  # their cursors are days; Shopify's a time of the run, the metrics' a fingerprint


@pytest.fixture
def sandbox_env(monkeypatch):
    handle = start(days=DAYS + 5, orders_per_day=5, bulk_seconds=0.05, bucket=(2000.0, 40000.0))
    for name, value in handle.settings().items():
        monkeypatch.setenv(name, value)
    yield handle
    handle.stop()


def wait_until(condition, what: str, seconds: float = 120):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.2)
    pytest.fail(f"{what} within {seconds} s")


def finished(job_prefix: str, count: int):
    runs = JobRun.objects.filter(job__startswith=job_prefix).exclude(status=JobRun.Status.RUNNING)
    return list(runs) if runs.count() >= count else None


def tasks_run(log) -> list[str]:
    """The pipeline tasks a worker ran to success, from its log."""
    return re.findall(r"Task (etl\.pipeline_\w+)\[[0-9a-f-]+\] succeeded", log.read_text())


def snapshot() -> dict:
    """Every row the night wrote, by natural key (ids and write times left out)."""

    def rows(model_or_rows, *fields):
        found = getattr(model_or_rows, "objects", model_or_rows)
        return sorted(found.values_list(*fields))

    metric_fields = [
        f.attname for f in DailyMetric._meta.concrete_fields if f.attname not in ("id", "computed_at")
    ]
    return {
        "accounts": rows(AdAccount, "platform", "external_id", "currency"),
        "campaigns": rows(Campaign, "account__external_id", "external_id", "name"),
        "insights": rows(
            AdInsightDaily, "account__external_id", "campaign__external_id", "date", "spend", "impressions",
            "clicks", "conversions", "conversion_value",
        ),
        "orders": rows(Order, "external_id", "total", "current_total", "customer_key"),
        "first orders": rows(FirstOrder, "order__external_id"),
        "lines": rows(OrderLine, "order__external_id", "external_id", "quantity", "price"),
        "refunds": rows(Refund, "order__external_id", "external_id", "amount"),
        "ad cursors": rows(SyncState.objects.filter(source__in=ADS), "source", "account", "cursor"),
        "metrics": rows(DailyMetric, *metric_fields),
    }  # fmt: skip


def send_night(client, since, until, etl_queue, metrics_queue) -> None:
    sent = client.send_task(
        "etl.nightly_pipeline",
        kwargs={
            "since": since.isoformat(),
            "until": until.isoformat(),
            "etl_queue": etl_queue,
            "metrics_queue": metrics_queue,
        },
        queue=metrics_queue,
    )
    assert sent.get(timeout=60)["tasks"] == PULLS


def metrics_run() -> JobRun:
    return wait_until(lambda: finished("etl.compute_metrics", 1), "no finished metrics run")[0]


def test_two_workers_share_the_night_and_write_what_one_worker_writes(
    sandbox_env, transactional_db, tmp_path
):
    until = yesterday()
    since = until - timedelta(days=DAYS - 1)
    fill_demo_rates(["EUR"], since - timedelta(days=2), until)
    etl_q, metrics_q = f"tests-etl-{uuid.uuid4().hex[:6]}", f"tests-metrics-{uuid.uuid4().hex[:6]}"
    (tmp_path / "a").mkdir(), (tmp_path / "b").mkdir()

    with ExitStack() as both:
        client, _, _ = both.enter_context(worker_process(tmp_path / "a", queues=[etl_q]))
        both.enter_context(worker_process(tmp_path / "b", queues=[etl_q, metrics_q]))
        sandbox_env.inject("hold")  # the first request of any pull waits for the release below
        send_night(client, since, until, etl_q, metrics_q)
        assert sandbox_env.wait_until_held(timeout=60)
        # The held pull keeps its worker busy: the other three can only run on the other one.
        wait_until(lambda: finished("etl.pull_", PULLS - 1), "the other pulls did not finish")
        assert not DailyMetric.objects.exists()  # the metrics wait for every pull
        sandbox_env.release()
        metrics = metrics_run()
        assert metrics.status == "succeeded", metrics.error
        assert metrics.detail["stale_sources"] == {}

    ran = {name: tasks_run(tmp_path / name / "worker.log") for name in ("a", "b")}
    pulls = {name: tasks.count("etl.pipeline_pull") for name, tasks in ran.items()}
    assert sorted(pulls.values()) == [1, PULLS - 1]  # one held pull on one worker, the rest on the other
    assert ran["a"].count("etl.pipeline_metrics") == 0 and ran["b"].count("etl.pipeline_metrics") == 1
    runs = JobRun.objects.filter(job__startswith="etl.pull_")
    assert sorted(runs.values_list("job", "status")) == sorted(
        [("etl.pull_meta", "succeeded")] * 2
        + [("etl.pull_tiktok", "succeeded"), ("etl.pull_shopify", "succeeded")]
    )
    shared = snapshot()
    assert shared["insights"] and shared["orders"] and len(shared["metrics"]) == DAYS * 4

    # The same night from empty tables, on worker B alone.
    for model in (
        DailyMetric,
        Refund,
        OrderLine,
        Order,
        AdInsightDaily,
        Campaign,
        AdAccount,
        SyncState,
        JobRun,
    ):
        model.objects.all().delete()
    with worker_process(tmp_path / "b", queues=[etl_q, metrics_q]) as (client, _, _):
        send_night(client, since, until, etl_q, metrics_q)
        metrics = metrics_run()
        assert metrics.status == "succeeded", metrics.error
    assert snapshot() == shared
