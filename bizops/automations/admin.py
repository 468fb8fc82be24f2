"""Webhook endpoints and the delivery log in the admin (the Ops group manages both)."""

from decimal import Decimal
from urllib.parse import urlsplit

from django.contrib import admin, messages
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from bizops.automations import delivery as service
from bizops.automations.forms import WebhookEndpointForm
from bizops.automations.models import Attempt, Delivery, WebhookEndpoint
from bizops.automations.tasks import deliver_soon
from bizops.core import durations
from bizops.core.spreadsheet import SafeCSVWriter

ATTEMPT_COLUMNS = [
    "delivery",
    "event",
    "endpoint",
    "webhook-id",
    "attempt",
    "started",
    "outcome",
    "status code",
    "duration (s)",
    "error",
    "response body (start)",
]
SHOW_ONCE_TEMPLATE = "admin/automations/secret_once.html"


def attempts_csv(attempts) -> HttpResponse:
    """The attempt log as CSV: a receiver's answer is text from outside, escaped by ``SafeCSVWriter``."""
    now = timezone.localtime()
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="webhook-attempts-{now:%Y-%m-%d-%H%M}.csv"'
    writer = SafeCSVWriter(response, as_text=lambda v: "" if v is None else str(v))
    writer.writeheader(ATTEMPT_COLUMNS)
    rows = attempts.select_related("delivery__event", "delivery__endpoint").order_by("delivery_id", "number")
    for a in rows:
        seconds = Decimal(a.duration.total_seconds()).quantize(Decimal("0.001")) if a.duration else None
        started = timezone.localtime(a.started_at).isoformat(timespec="seconds")
        writer.writerow(
            [
                a.delivery_id,
                a.delivery.event.type,
                a.delivery.endpoint.name,
                a.delivery.webhook_id,
                a.number,
                started,
                a.outcome,
                a.status_code,
                seconds,
                a.error,
                a.response_body,
            ]
        )
    return response


def target(url: str) -> str:
    """Scheme and host only: the path of a Slack or Zapier URL is itself a credential."""
    parts = urlsplit(url)
    return f"{parts.netloc}/…" if parts.path not in ("", "/") else parts.netloc


def show_secret(request, endpoint: WebhookEndpoint, secret: str, what: str):
    response = TemplateResponse(
        request,
        SHOW_ONCE_TEMPLATE,
        {
            **admin.site.each_context(request),
            "title": f"Signing secret of {endpoint.name}",
            "endpoint": endpoint,
            "secret": secret,
            "what": what,
            "opts": WebhookEndpoint._meta,
            "grace_until": endpoint.previous_secret_expires_at,
        },
    )
    response["Cache-Control"] = "no-store"  # the secret must not stay in a cache
    return response


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    form = WebhookEndpointForm
    list_display = ["name", "state", "format_shown", "target_shown", "subscriptions", "last_delivery"]
    list_filter = ["enabled", "format"]
    search_fields = ["name", "description"]
    readonly_fields = ["signing", "disabled_state"]
    actions = ["send_test_event", "rotate_secret", "enable"]

    class Media:
        css = {"all": ["automations/admin.css"]}

    def get_fieldsets(self, request, obj=None):
        main = ["name", "url", "format", "enabled", "description"]
        if obj is not None:
            main += ["signing", "disabled_state"]
        return [(None, {"fields": main}), ("Events it receives", {"fields": ["event_types"]})]

    @admin.display(description="state", ordering="enabled")
    def state(self, obj: WebhookEndpoint) -> str:
        if obj.enabled:
            return format_html('<span class="wh-on">{}</span>', "enabled")
        return format_html(
            '<span class="wh-off">{}</span><div class="wh-note">{}</div>', "disabled", obj.disabled_reason
        )

    @admin.display(description="format", ordering="format")
    def format_shown(self, obj: WebhookEndpoint) -> str:
        return {"json": "JSON", "slack": "Slack", "zapier": "Zapier"}.get(obj.format, obj.format)

    @admin.display(description="target")
    def target_shown(self, obj: WebhookEndpoint) -> str:
        return target(obj.url)

    @admin.display(description="events")
    def subscriptions(self, obj: WebhookEndpoint) -> str:
        names = list(obj.event_types)
        if not names:
            return "none"
        shown = format_html_join(" ", '<span class="wh-type">{}</span>', ((name,) for name in names[:3]))
        if len(names) <= 3:
            return shown
        return format_html('{} <span title="{}">+{} more</span>', shown, ", ".join(names[3:]), len(names) - 3)

    @admin.display(description="last delivery")
    def last_delivery(self, obj: WebhookEndpoint) -> str:
        last = obj.deliveries.order_by("-created_at").first()
        if last is None:
            return "none yet"
        at = timezone.localtime(last.created_at)
        return format_html(
            '{}<div class="wh-note">{}</div>', last.get_status_display(), f"{at:%Y-%m-%d %H:%M}"
        )

    @admin.display(description="signing")
    def signing(self, obj: WebhookEndpoint) -> str:
        text = "Secret set (shown once when made; rotate to get a new one)."
        if obj.previous_secret_expires_at and obj.previous_secret_expires_at > timezone.now():
            until = timezone.localtime(obj.previous_secret_expires_at)
            text += f" The previous secret also signs until {until:%Y-%m-%d %H:%M %Z}."
        return text

    @admin.display(description="disabled")
    def disabled_state(self, obj: WebhookEndpoint) -> str:
        if obj.enabled or not obj.disabled_at:
            return "-"
        at = timezone.localtime(obj.disabled_at)
        return f"{at:%Y-%m-%d %H:%M %Z}: {obj.disabled_reason}"

    def save_model(self, request, obj, form, change):
        if obj.enabled:
            obj.disabled_at, obj.disabled_reason, obj.consecutive_failures = None, "", 0
        super().save_model(request, obj, form, change)

    def response_add(self, request, obj, post_url_continue=None):
        # The secret is shown on this one page, never again (not in a message: those are stored).
        return show_secret(request, obj, obj.secret, "created")

    @admin.action(description="Send test event", permissions=["change"])
    def send_test_event(self, request, queryset):
        ids = [service.test_delivery(endpoint).pk for endpoint in queryset]
        deliver_soon(ids)
        self.message_user(request, f"Test event queued for {len(ids):,} endpoint(s): see Deliveries.")

    @admin.action(
        description="Rotate secret (the old one signs during the grace period)", permissions=["change"]
    )
    def rotate_secret(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(
                request, "Rotate one endpoint at a time: its new secret is shown once.", messages.ERROR
            )
            return None
        endpoint = queryset.get()
        secret = endpoint.rotate_secret()
        return show_secret(request, endpoint, secret, "rotated")

    @admin.action(description="Enable (after fixing the receiver)", permissions=["change"])
    def enable(self, request, queryset):
        count = queryset.filter(enabled=False).update(
            enabled=True, disabled_at=None, disabled_reason="", consecutive_failures=0
        )
        self.message_user(request, f"{count:,} endpoint(s) enabled; replay the deliveries they missed.")


class AttemptInline(admin.TabularInline):
    model = Attempt
    extra = 0
    can_delete = False
    fields = ["number", "started_at", "outcome", "status_code", "duration_shown", "error", "body"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description="duration")
    def duration_shown(self, obj: Attempt) -> str:
        return durations.human(obj.duration)

    @admin.display(description="response body (start)")
    def body(self, obj: Attempt) -> str:
        return format_html('<pre class="wh-body">{}</pre>', obj.response_body) if obj.response_body else "-"


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["id", "event_type", "endpoint", "status_shown", "attempts", "created"]
    list_filter = ["status", "endpoint", "event__type"]
    search_fields = ["event__type", "endpoint__name"]
    list_select_related = ["event", "endpoint"]
    readonly_fields = [
        "endpoint",
        "event_type",
        "webhook_id",
        "status",
        "attempts",
        "next_attempt_at",
        "last_status_code",
        "created_at",
        "delivered_at",
        "payload",
    ]
    fields = readonly_fields
    inlines = [AttemptInline]
    actions = ["replay", "download_attempts"]

    class Media:
        css = {"all": ["automations/admin.css"]}

    def has_add_permission(self, request):
        return False  # deliveries are made from events

    def has_delete_permission(self, request, obj=None):
        return False  # the log loses nothing

    @admin.display(description="event", ordering="event__type")
    def event_type(self, obj: Delivery) -> str:
        return obj.event.type

    @admin.display(description="status", ordering="status")
    def status_shown(self, obj: Delivery) -> str:
        code = f" ({obj.last_status_code})" if obj.last_status_code else ""
        return f"{obj.get_status_display()}{code}"

    @admin.display(description="created", ordering="created_at")
    def created(self, obj: Delivery) -> str:
        return f"{timezone.localtime(obj.created_at):%Y-%m-%d %H:%M}"

    @admin.display(description="webhook-id")
    def webhook_id(self, obj: Delivery) -> str:
        return obj.webhook_id

    @admin.display(description="payload")
    def payload(self, obj: Delivery) -> str:
        import json

        return format_html('<pre class="wh-body">{}</pre>', json.dumps(obj.event.payload, indent=2))

    @admin.action(description="Replay (send again with the same webhook-id)", permissions=["change"])
    def replay(self, request, queryset):
        ids = list(queryset.values_list("pk", flat=True))
        count = service.replay(ids)
        deliver_soon(ids)
        skipped = len(ids) - count
        note = f"; {skipped:,} skipped (pending already, or their endpoint is disabled)" if skipped else ""
        self.message_user(request, f"{count:,} delivery(ies) queued again{note}.")

    @admin.action(description="Download their attempts (CSV, safe for spreadsheets)", permissions=["view"])
    def download_attempts(self, request, queryset):
        return attempts_csv(Attempt.objects.filter(delivery__in=queryset))
