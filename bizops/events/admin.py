import json

from django.contrib import admin
from django.utils.html import format_html

from bizops.events.models import AlertState, Event


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    """The outbox, read-only: events are facts recorded by ``emit``."""

    list_display = ["type", "version", "occurred_at", "dispatched_at"]
    list_filter = ["type"]
    date_hierarchy = "occurred_at"
    fields = ["id", "type", "version", "occurred_at", "created_at", "dispatched_at", "payload_shown"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="payload")
    def payload_shown(self, obj: Event) -> str:
        return format_html('<pre style="white-space: pre-wrap">{}</pre>', json.dumps(obj.payload, indent=2))


@admin.register(AlertState)
class AlertStateAdmin(admin.ModelAdmin):
    list_display = ["subject", "down", "since", "last_alerted_at"]
    list_filter = ["down"]
    readonly_fields = ["subject", "down", "since", "last_alerted_at"]

    def has_add_permission(self, request):
        return False
