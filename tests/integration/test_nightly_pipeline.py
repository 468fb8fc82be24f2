"""The nightly pipeline through a real Redis broker and a real Celery worker, against the sandbox APIs."""

import time
from datetime import timedelta

import pytest

from etl.metrics.days import yesterday
from etl.metrics.demo_fx import fill_demo_rates
from etl.models import DailyMetric, FirstOrder, Order
from health.models import JobRun

# The connectors and their sandbox are built in the ETL area; until they are
# in this tree these tests say so and skip.
start = pytest.importorskip(
    "etl.sandbox.server", reason="the ETL sandbox (etl.sandbox) is not in this tree yet"
).start

pytestmark = [pytest.mark.integration, pytest.mark.redis, pytest.mark.postgres]
DAYS = 10


@pytest.fixture
def sandbox_env(monkeypatch):
    """The sandbox on 127.0.0.1, and the worker's environment pointing every connector at it."""
    handle = start(days=DAYS + 5, orders_per_day=6, bulk_seconds=0.05, bucket=(2000.0, 40000.0))
    for name, value in handle.settings().items():
        monkeypatch.setenv(name, value)
    yield handle
    handle.stop()


def wait_for(job: str, seconds: float = 120) -> JobRun:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        run = JobRun.objects.filter(job=job).exclude(status=JobRun.Status.RUNNING).first()
        if run:
            return run
        time.sleep(0.5)
    pytest.fail(f"no finished {job} run within {seconds} s")


def test_the_nightly_pipeline_pulls_every_source_then_writes_the_metric_rows(
    sandbox_env, celery_worker_process
):
    client, queue = celery_worker_process
    until = yesterday()
    since = until - timedelta(days=DAYS - 1)
    fill_demo_rates(["EUR"], since - timedelta(days=2), until)

    started = client.send_task(
        "etl.nightly_pipeline",
        kwargs={
            "since": since.isoformat(),
            "until": until.isoformat(),
            "etl_queue": queue,
            "metrics_queue": queue,
        },
        queue=queue,
    )
    assert started.get(timeout=60)["sources"] == ["meta", "tiktok", "shopify"]
    metrics = wait_for("etl.compute_metrics")

    assert metrics.status == "succeeded", metrics.error
    assert metrics.detail["stale_sources"] == {}
    pulls = dict(JobRun.objects.filter(job__startswith="etl.pull_").values_list("job", "status"))
    assert pulls == {
        "etl.pull_meta": "succeeded",
        "etl.pull_tiktok": "succeeded",
        "etl.pull_shopify": "succeeded",
    }
    first_pull_end = min(
        JobRun.objects.filter(job__startswith="etl.pull_").values_list("finished_at", flat=True)
    )
    assert metrics.started_at >= first_pull_end
    assert DailyMetric.objects.filter(date__gte=since, date__lte=until).count() == DAYS * 4
    all_days = DailyMetric.objects.filter(channel="all", date__gte=since, date__lte=until)
    assert sum(row.orders for row in all_days) > 0
    assert sum(row.spend for row in all_days) > 0
    assert FirstOrder.objects.exists()


def test_a_failed_pull_leaves_the_metrics_running_and_noting_it_stale(sandbox_env, celery_worker_process):
    client, queue = celery_worker_process
    until = yesterday()
    since = until - timedelta(days=DAYS - 1)
    fill_demo_rates(["EUR"], since - timedelta(days=2), until)
    sandbox_env.inject("expired_token", provider="shopify", times=0)

    client.send_task(
        "etl.nightly_pipeline",
        kwargs={
            "since": since.isoformat(),
            "until": until.isoformat(),
            "etl_queue": queue,
            "metrics_queue": queue,
        },
        queue=queue,
    ).get(timeout=60)
    metrics = wait_for("etl.compute_metrics")

    assert metrics.status == "succeeded", metrics.error
    assert list(metrics.detail["stale_sources"]) == ["shopify"]
    assert JobRun.objects.get(job="etl.pull_shopify").status == "failed"
    assert DailyMetric.objects.filter(date__gte=since, date__lte=until).count() == DAYS * 4
    assert DailyMetric.objects.filter(channel="meta", spend__gt=0).exists()
    assert not Order.objects.exists()
