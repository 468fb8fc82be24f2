from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST
from import_export.admin import ImportExportModelAdmin

from bizops.core.admin_actions import set_field_action
from bizops.core.history import change_log
from bizops.core.history_admin import HistoryAdmin
from bizops.core.spreadsheet import SpreadsheetSafeExportAdmin
from flags import conditions, events
from flags.admin.forms import JSON_OVERRIDES
from flags.history import revert
from flags.models import Flag, ScheduledChange
from flags.resources import FlagResource, FlagsCSV, FlagsJSON


class StaleFilter(admin.SimpleListFilter):
    title = "stale"
    parameter_name = "stale"

    def lookups(self, request, model_admin):
        return [("yes", "Stale"), ("no", "Not stale")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(pk__in=Flag.objects.stale())
        if self.value() == "no":
            return queryset.exclude(pk__in=Flag.objects.stale())
        return queryset


class ScheduledChangeInline(admin.TabularInline):
    model = ScheduledChange
    extra = 0
    fields = ["at", "enabled", "note", "created_by", "applied_at"]
    readonly_fields = ["created_by", "applied_at"]
    verbose_name = "scheduled on/off change"


def _set_enabled(enabled: bool):
    word = "on" if enabled else "off"
    return set_field_action(
        name=f"turn_{word}",
        field="enabled",
        value=enabled,
        description=f"Turn selected flags {word}",
        permission="change",
        done=f"Turned {{count}} flag(s) {word}.",
        on_change=lambda request, flag: events.changed(flag, "changed", request.user),
    )


@admin.register(Flag)
class FlagAdmin(SpreadsheetSafeExportAdmin, ImportExportModelAdmin, HistoryAdmin):
    resource_classes = [FlagResource]
    formats = [FlagsCSV, FlagsJSON]
    formfield_overrides = JSON_OVERRIDES
    list_display = ["key", "kind", "enabled", "summary", "owner", "last_evaluated_at", "stale_why"]
    list_filter = ["kind", "enabled", StaleFilter, "value_type", "owner"]
    list_select_related = ["owner"]
    search_fields = ["key", "description"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        events.changed(obj, "changed" if change else "created", request.user)

    def delete_model(self, request, obj):
        with transaction.atomic():
            events.changed(obj, "deleted", request.user)
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for flag in queryset:
                events.changed(flag, "deleted", request.user)
            super().delete_queryset(request, queryset)

    actions = [_set_enabled(True), _set_enabled(False)]
    inlines = [ScheduledChangeInline]
    readonly_fields = ["created_at", "updated_at", "last_evaluated_at", "stale_why", "rule_reference"]
    fieldsets = [
        (None, {"fields": ["key", "description", "kind", "owner", "enabled"]}),
        ("Value", {"fields": ["value_type", "default_value", "rules", "rule_reference"]}),
        ("Health", {"fields": ["created_at", "updated_at", "last_evaluated_at", "stale_why"]}),
    ]

    @admin.display(description="serves")
    def summary(self, obj: Flag) -> str:
        if not obj.enabled:
            return "off (kill switch)"
        rollout = obj.rollout
        rules = len(obj.rules)
        if rollout is not None and obj.value_type == Flag.ValueType.BOOLEAN:
            return f"on for {rollout:g}%"
        return f"{rules} rule(s), default {obj.default_value!r}"

    @admin.display(description="stale because")
    def stale_why(self, obj: Flag) -> str:
        return "; ".join(obj.stale_reasons()) or "-"

    @admin.display(description="rule reference")
    def rule_reference(self, obj: Flag):
        return mark_safe(  # noqa: S308 - a template that autoescapes
            render_to_string("flags/rule_reference.html", {"operators": conditions.OPERATORS})
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        flag = self.get_object(request, object_id)
        if flag is not None:
            can_revert = self.has_change_permission(request, flag)
            extra_context = {
                **(extra_context or {}),
                "change_log_html": render_to_string(
                    "flags/change_log.html",
                    {
                        "changes": change_log(flag),
                        "revert_url_name": "admin:flags_flag_revert" if can_revert else "",
                        "object_id": flag.pk,
                    },
                ),
            }
        return super().change_view(request, object_id, form_url, extra_context)

    def save_formset(self, request, form, formset, change):
        for instance in formset.save(commit=False):
            if isinstance(instance, ScheduledChange) and instance.created_by_id is None:
                instance.created_by = request.user
            instance.save()
        for deleted in formset.deleted_objects:
            deleted.delete()

    def add_data_read_fail_error_to_form(self, form, e):
        # Our own refusals (too big, nested too deeply...) say what is wrong.
        if isinstance(e, ValidationError):
            form.add_error("import_file", "; ".join(e.messages))
        else:
            super().add_data_read_fail_error_to_form(form, e)

    def get_urls(self):
        return [
            path(
                "<int:object_id>/revert/<int:history_id>/",
                self.admin_site.admin_view(require_POST(self.revert_view)),
                name="flags_flag_revert",
            ),
            *super().get_urls(),
        ]

    def revert_view(self, request, object_id: int, history_id: int):
        flag = get_object_or_404(Flag, pk=object_id)
        if not self.has_change_permission(request, flag):
            raise PermissionDenied
        try:
            revert(flag, history_id, request.user)
        except ValidationError as exc:
            self.message_user(request, f"Could not revert {flag}: {'; '.join(exc.messages)}", messages.ERROR)
        else:
            self.message_user(request, f"Reverted {flag} to the chosen version.", messages.SUCCESS)
        return redirect(reverse("admin:flags_flag_change", args=[flag.pk]))
