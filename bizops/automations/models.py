"""Webhook endpoints, their deliveries (one per event and endpoint) and every attempt."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from bizops.automations.keys import new_secret
from bizops.events.models import Event


class WebhookEndpoint(models.Model):
    """Where events go: a URL, the event types it wants, its format and its signing secret.

    The secret is stored so it can sign; it is shown once when made (at creation
    and at each rotation) and never displayed, exported or logged afterwards.
    """

    class Format(models.TextChoices):
        JSON = "json", "Raw JSON (Standard Webhooks)"
        SLACK = "slack", "Slack incoming webhook"
        ZAPIER = "zapier", "Zapier catch hook"

    name = models.CharField(max_length=100, unique=True)
    url = models.URLField("URL", max_length=2000, help_text="http(s) only; private addresses are refused.")
    format = models.CharField(max_length=10, choices=Format.choices, default=Format.JSON)
    event_types = models.JSONField(default=list, blank=True, help_text="Event types it receives.")
    enabled = models.BooleanField(default=True)
    description = models.TextField(blank=True)
    secret = models.CharField(max_length=100, default=new_secret, editable=False)
    previous_secret = models.CharField(max_length=100, blank=True, editable=False)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    consecutive_failures = models.PositiveIntegerField(
        default=0, editable=False, help_text="Deliveries given up in a row (reset by a success)."
    )
    disabled_at = models.DateTimeField(null=True, blank=True, editable=False)
    disabled_reason = models.CharField(max_length=300, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "webhook endpoint"

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:  # never the secret
        return f"<WebhookEndpoint {self.pk} {self.name!r}>"

    def get_absolute_url(self) -> str:
        return reverse("admin:automations_webhookendpoint_change", args=[self.pk])

    def wants(self, event_type: str) -> bool:
        return event_type in self.event_types

    def signing_secrets(self, now=None) -> list[str]:
        """The current secret, and the previous one while its grace period lasts."""
        now = now or timezone.now()
        if self.previous_secret and self.previous_secret_expires_at and self.previous_secret_expires_at > now:
            return [self.previous_secret, self.secret]
        return [self.secret]

    def rotate_secret(self) -> str:
        """A new secret; the old one keeps signing for ``WEBHOOK_SECRET_ROTATION_GRACE_HOURS``."""
        self.previous_secret = self.secret
        self.previous_secret_expires_at = timezone.now() + timedelta(
            hours=settings.WEBHOOK_SECRET_ROTATION_GRACE_HOURS
        )
        self.secret = new_secret()
        self.save(update_fields=["secret", "previous_secret", "previous_secret_expires_at", "updated_at"])
        return self.secret


class Delivery(models.Model):
    """One event to one endpoint, with the same ``webhook-id`` on every attempt and replay."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed (retries exhausted)"
        CANCELLED = "cancelled", "Cancelled (endpoint disabled)"

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.PROTECT, related_name="deliveries")
    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="deliveries")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    # A sender holds the delivery until then; a sender killed mid-request frees it when it lapses.
    lease_until = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event"], name="delivery_one_per_endpoint_and_event")
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"], condition=Q(status="pending"), name="delivery_pending_due"
            )
        ]

    def __str__(self) -> str:
        return f"{self.event.type} to {self.endpoint.name}"

    @property
    def webhook_id(self) -> str:
        return self.event.webhook_id


class Attempt(models.Model):
    """One HTTP request of a delivery: its answer, its duration and the start of its body."""

    class Outcome(models.TextChoices):
        SENDING = "sending", "Sending"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        # Its sender died mid-request (worker killed): the delivery was sent again.
        INTERRUPTED = "interrupted", "Interrupted"

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveIntegerField()
    webhook_timestamp = models.PositiveBigIntegerField()
    started_at = models.DateTimeField(default=timezone.now)
    duration = models.DurationField(null=True, blank=True)
    outcome = models.CharField(max_length=12, choices=Outcome.choices, default=Outcome.SENDING)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    response_body = models.TextField(
        blank=True, help_text="The start of the answer (WEBHOOK_RESPONSE_BODY_MAX)."
    )

    class Meta:
        ordering = ["delivery", "number"]

    def __str__(self) -> str:
        return f"attempt {self.number} of delivery #{self.delivery_id}: {self.outcome}"
