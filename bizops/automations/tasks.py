"""Celery tasks (routed to the ``WEBHOOKS_QUEUE`` queue): thin wrappers over ``delivery``.

- ``automations.dispatch``: queued after each commit that recorded events.
- ``automations.deliver``: sends a few deliveries; a short retry (up to
  ``SHORT_RETRY_SECONDS``) is queued with a countdown, longer ones are left to
  the sweep (long ETAs sit badly with Redis' visibility timeout).
- ``automations.sweep``: every minute from beat. Dispatches what the
  after-commit kick missed (broker down at commit, process killed) and queues
  every due delivery, so nothing committed waits forever.
"""

from functools import partial

from celery import shared_task
from django.conf import settings
from django.db import transaction

from bizops.automations import delivery
from health.runners import job_task

#: Deliveries per ``deliver`` task.
CHUNK = 20
SHORT_RETRY_SECONDS = 60


def _queue(ids: list[int]) -> int:
    for start in range(0, len(ids), CHUNK):
        deliver.delay(ids[start : start + CHUNK])
    return len(ids)


def deliver_after_commit() -> None:
    if settings.WEBHOOK_DELIVER_ON_COMMIT:
        dispatch.delay()


def deliver_soon(delivery_ids: list[int]) -> None:
    """Queue these deliveries once the current transaction commits."""
    transaction.on_commit(partial(_queue, list(delivery_ids)), robust=True)


@shared_task(name="automations.dispatch", ignore_result=True)
def dispatch() -> int:
    queued = 0
    while ids := delivery.dispatch():
        queued += _queue(ids)
    return queued


@shared_task(name="automations.deliver", ignore_result=True, acks_late=True)
def deliver(delivery_ids: list[int]) -> None:
    # acks_late: a worker lost mid-request gets the task back; the lease keeps it to one sender.
    for delivery_id in delivery_ids:
        wait = delivery.attempt(delivery_id)
        if wait is not None and wait.total_seconds() <= SHORT_RETRY_SECONDS:
            deliver.apply_async(([delivery_id],), countdown=wait.total_seconds())


@job_task(name="automations.sweep", job_lock=True)
def sweep() -> dict:
    dispatched = 0
    while ids := delivery.dispatch():
        dispatched += _queue(ids)
    due = _queue(delivery.due())
    return {"dispatched": dispatched, "queued": due, "rows_written": dispatched}
