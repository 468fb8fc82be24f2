"""``emit(type, payload)``: record an event in the outbox, in the caller's transaction.

    with transaction.atomic():
        experiment.save()
        emit("experiment.decided", {"experiment": experiment.key, ...})

The row commits or rolls back with the change: nothing is sent for a change
that rolled back, and a committed event stays in the outbox until it has been
dispatched. After the commit the listeners are told (the automations app
queues its delivery then); a listener that fails, or a process that dies
between commit and callback, loses nothing: the delivery sweep picks up every
undispatched row.

The machinery floor knows no app above it: listeners register themselves
(``on_commit_of_events``) from their app's ``ready()``.
"""

import logging
from collections.abc import Callable
from datetime import datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from bizops.events import catalogue
from bizops.events.models import Event

logger = logging.getLogger(__name__)

_listeners: list[Callable[[], None]] = []


class InvalidPayload(ValueError):
    pass


def on_commit_of_events(listener: Callable[[], None]) -> None:
    """Call ``listener()`` after each commit that recorded events."""
    if listener not in _listeners:
        _listeners.append(listener)


def admin_path(obj) -> str:
    """The admin page of a model instance, for a payload's ``admin_path`` (a link in Slack)."""
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])


def emit(type: str, payload: dict, *, occurred_at: datetime | None = None, using: str | None = None) -> Event:
    """Record an event of a catalogued ``type``; its payload must match the catalogue."""
    spec = catalogue.get(type)
    problems = spec.problems(payload)
    if problems:
        raise InvalidPayload("; ".join(problems))
    event = Event.objects.using(using).create(
        type=spec.name, version=spec.version, payload=payload, occurred_at=occurred_at or timezone.now()
    )
    connection = transaction.get_connection(using)
    # Once per transaction: its listeners handle every event it committed. Only a callback
    # whose savepoints are all still open counts (one of a savepoint that rolled back is gone).
    open_savepoints = set(connection.savepoint_ids)
    pending = (f is _tell_listeners and sids <= open_savepoints for sids, f, _ in connection.run_on_commit)
    if not any(pending):
        # robust: a broker that is down at commit must not break the caller's request;
        # the sweep sends the event later.
        transaction.on_commit(_tell_listeners, using=using, robust=True)
    return event


def emit_many(type: str, payloads: list[dict], *, using: str | None = None) -> list[Event]:
    """``emit`` for many events of one type in one INSERT (a flags import of thousands)."""
    spec = catalogue.get(type)
    for payload in payloads:
        problems = spec.problems(payload)
        if problems:
            raise InvalidPayload("; ".join(problems))
    if not payloads:
        return []
    now = timezone.now()
    events = Event.objects.using(using).bulk_create(
        [Event(type=spec.name, version=spec.version, payload=p, occurred_at=now) for p in payloads],
        batch_size=1000,
    )
    if not any(f is _tell_listeners for _, f, _ in transaction.get_connection(using).run_on_commit):
        transaction.on_commit(_tell_listeners, using=using, robust=True)
    return events


def _tell_listeners() -> None:
    for listener in list(_listeners):
        try:
            listener()
        except Exception:  # the outbox rows are committed: the sweep delivers them
            logger.warning(
                "event listener %r failed; the sweep will deliver its events", listener, exc_info=True
            )
