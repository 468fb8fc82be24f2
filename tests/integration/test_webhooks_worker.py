"""Webhook deliveries through a real Celery worker on Redis, to a real receiver on 127.0.0.1
that verifies each one with the standardwebhooks package."""

import os
import signal
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection, transaction

from bizops.automations.models import Delivery
from bizops.events.outbox import emit
from tests.automations.conftest import receiver  # noqa: F401 (the fixture)
from tests.automations.factories import endpoint
from tests.automations.test_deliveries import FAILED
from tests.integration.conftest import worker_process

pytestmark = [pytest.mark.integration, pytest.mark.redis, pytest.mark.postgres]


def worker_env(timeout: float = 5) -> dict:
    return {
        "WEBHOOK_ALLOW_PRIVATE_TARGETS": "1",
        "WEBHOOK_TIMEOUT_SECONDS": str(timeout),
        "WEBHOOK_RETRY_SCHEDULE": "0s,0s,0s",
        "WEBHOOK_RETRY_JITTER": "0",
    }


def poll(condition, timeout: float, what: str, log: Path, every=None):
    """Wait for ``condition``; ``every()`` runs between looks (a beat tick)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        if every:
            every()
        time.sleep(0.2)
    pytest.fail(f"{what} within {timeout} s; the worker's log:\n{log.read_text()}")


@pytest.fixture
def no_kick(settings):
    # The worker sends: the test process only commits events (its Celery is eager).
    settings.WEBHOOK_DELIVER_ON_COMMIT = False


def test_a_delivery_whose_worker_is_killed_mid_request_is_sent_once_after_restart(
    receiver,  # noqa: F811
    transactional_db,
    tmp_path,
    no_kick,
):
    ep = endpoint(receiver, "/held")
    receiver.hold_paths.add("/held")
    event = emit("job.failed", FAILED)
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir(), second.mkdir()

    queue = f"tests-{uuid.uuid4().hex[:8]}"
    env = {**worker_env(timeout=3), "WEBHOOKS_QUEUE": queue}
    with worker_process(first, env=env, queue=queue) as (client, queue, worker):
        client.send_task("automations.sweep", queue=queue)
        assert receiver.held.wait(30), (first / "worker.log").read_text()
        os.kill(worker.pid, signal.SIGKILL)  # mid-request: the receiver has not answered
        worker.wait(10)
        receiver.release.set()
    assert Delivery.objects.get(endpoint=ep).status == "pending"

    queue = f"tests-{uuid.uuid4().hex[:8]}"
    env = {**worker_env(timeout=3), "WEBHOOKS_QUEUE": queue}
    with worker_process(second, env=env, queue=queue) as (client, queue, _):
        # Beat's sweep, every second here: it resends once the dead sender's lease lapses.
        poll(
            lambda: Delivery.objects.filter(endpoint=ep, status="delivered").exists(),
            40,
            "the delivery was not sent again",
            second / "worker.log",
            every=lambda: client.send_task("automations.sweep", queue=queue),
        )
    seen = receiver.at("/held")
    assert [r.webhook_id for r in seen] == [event.webhook_id, event.webhook_id]
    assert [r.status for r in seen] == [None, 200] and all(r.verified for r in seen)
    assert len(receiver.accepted("/held")) == 1
    d = Delivery.objects.get(endpoint=ep)
    assert list(d.attempt_log.values_list("number", "outcome")) == [(1, "interrupted"), (2, "succeeded")]
    connection.close()


def test_a_thousand_events_to_three_endpoints_none_lost_none_duplicated(
    receiver,  # noqa: F811
    transactional_db,
    tmp_path,
    no_kick,
):
    endpoints = [endpoint(receiver, f"/e{i}", fail=[503] if i == 2 else None) for i in range(3)]
    with transaction.atomic():
        events = [emit("job.failed", {**FAILED, "run_id": n}) for n in range(1000)]
    expected = sorted(e.webhook_id for e in events)

    queue = f"tests-{uuid.uuid4().hex[:8]}"
    env = {**worker_env(), "WEBHOOKS_QUEUE": queue}
    with worker_process(tmp_path, env=env, queue=queue, pool="prefork", concurrency=2) as (client, queue, _):
        client.send_task("automations.sweep", queue=queue)
        poll(
            lambda: Delivery.objects.filter(status="delivered").count() == 3000,
            180,
            "not every delivery was delivered",
            tmp_path / "worker.log",
        )
    for i in range(len(endpoints)):
        accepted = sorted(r.webhook_id for r in receiver.accepted(f"/e{i}"))
        assert accepted == expected  # each event exactly once: none lost, none twice
    assert all(r.verified for r in receiver.received)
    assert len(receiver.at("/e2")) == 1001  # one 503, retried
    connection.close()
