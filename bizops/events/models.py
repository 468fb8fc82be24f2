"""The outbox: one row per event, written in the transaction of the change that caused it."""

import uuid

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone


class EventQuerySet(models.QuerySet):
    def undispatched(self) -> "EventQuerySet":
        return self.filter(dispatched_at=None)


class Event(models.Model):
    """Something that happened, as ``emit`` recorded it (see ``bizops.events.catalogue``).

    ``dispatched_at`` is set once the event has been turned into a delivery per
    subscribed endpoint; until then the delivery sweep keeps picking it up, so a
    committed event is never lost, whatever happened to the broker at commit.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    type = models.CharField(max_length=64)
    version = models.PositiveSmallIntegerField()
    # Decimals are written as strings, datetimes as ISO 8601 (DjangoJSONEncoder): money stays exact.
    payload = models.JSONField(encoder=DjangoJSONEncoder)
    occurred_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now)
    dispatched_at = models.DateTimeField(null=True, blank=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # The sweep's question: which committed events have no deliveries yet.
            models.Index(fields=["created_at"], condition=Q(dispatched_at=None), name="event_undispatched"),
            models.Index(fields=["type", "-created_at"], name="event_type_created"),
        ]

    def __str__(self) -> str:
        at = timezone.localtime(self.occurred_at)
        return f"{self.type} v{self.version} at {at:%Y-%m-%d %H:%M %Z}"

    @property
    def webhook_id(self) -> str:
        """The Standard Webhooks message id: the same on every attempt and replay (no dots)."""
        return f"msg_{self.id.hex}"


class AlertState(models.Model):
    """Whether a watched subject (a job, a data source) is down, so alerts go out on flips.

    A subject that stays down alerts once, then reminds every
    ``ALERT_REMINDER_HOURS``; when it comes back up it says so once.
    """

    subject = models.CharField(max_length=150, unique=True)
    down = models.BooleanField(default=False)
    since = models.DateTimeField(default=timezone.now, help_text="When it last flipped.")
    last_alerted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["subject"]

    def __str__(self) -> str:
        return f"{self.subject} {'down' if self.down else 'up'}"
