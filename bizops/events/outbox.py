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
from functools import partial

from django.db import transaction
from django.utils import timezone

from bizops.events import catalogue
from bizops.events.models import Event

logger = logging.getLogger(__name__)

_listeners: list[Callable[[list[str]], None]] = []


class InvalidPayload(ValueError):
    pass


def on_commit_of_events(listener: Callable[[list[str]], None]) -> None:
    """Call ``listener(event_ids)`` after each commit that recorded events."""
    if listener not in _listeners:
        _listeners.append(listener)


def emit(type: str, payload: dict, *, occurred_at: datetime | None = None, using: str | None = None) -> Event:
    """Record an event of a catalogued ``type``; its payload must match the catalogue."""
    spec = catalogue.get(type)
    problems = spec.problems(payload)
    if problems:
        raise InvalidPayload("; ".join(problems))
    event = Event.objects.using(using).create(
        type=spec.name, version=spec.version, payload=payload, occurred_at=occurred_at or timezone.now()
    )
    # robust: a broker that is down at commit must not break the caller's request;
    # the sweep sends the event later.
    transaction.on_commit(partial(_tell_listeners, [str(event.pk)]), using=using, robust=True)
    return event


def _tell_listeners(event_ids: list[str]) -> None:
    for listener in list(_listeners):
        try:
            listener(event_ids)
        except Exception:  # the outbox row is committed: the sweep delivers it
            logger.warning(
                "event listener %r failed; the sweep will deliver %s", listener, event_ids, exc_info=True
            )
