from django.contrib import admin
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from import_export.admin import ImportExportModelAdmin
from import_export.formats.base_formats import JSON, XLSX

from bizops.core import figures
from bizops.core.admin_actions import set_field_action
from bizops.core.admin_imports import LimitedImportMixin
from bizops.core.forms import BacklogTicketForm
from bizops.core.history import change_log
from bizops.core.history_admin import HistoryAdmin
from bizops.core.markdown import render_markdown
from bizops.core.models import BacklogTicket, Report
from bizops.core.resources import BacklogTicketResource
from bizops.core.spreadsheet import SafeCSV, SpreadsheetSafeExportAdmin
from bizops.events.outbox import admin_path, emit

admin.site.site_header = "bizops"
admin.site.site_title = "bizops"
admin.site.index_title = "Operations"
# The app list beside every page took 300 of 1,400 px from the tables; the index,
# the breadcrumbs and each page's links lead to the same places.
admin.site.enable_nav_sidebar = False


def _move_action(status: str):
    label = BacklogTicket.Status(status).label
    return set_field_action(
        name=f"move_to_{status}",
        field="status",
        value=status,
        description=f"Move selected tickets to {label}",
        permission="move",
        done=f"Moved {{count}} ticket(s) to {label}.",
    )


@admin.register(BacklogTicket)
class BacklogTicketAdmin(
    LimitedImportMixin, SpreadsheetSafeExportAdmin, ImportExportModelAdmin, HistoryAdmin
):
    class Media:
        css = {"all": ["bizops/markdown.css", "bizops/backlog.css"]}

    form = BacklogTicketForm
    resource_classes = [BacklogTicketResource]
    formats = [SafeCSV, XLSX, JSON]
    list_display = [
        "key",
        "short_title",
        "priority",
        "status",
        "owner",
        "target_week",
        "due_date",
        "age_days",
    ]
    list_filter = ["priority", "status", "owner", "target_week", "due_date"]
    list_select_related = ["owner"]
    search_fields = ["key", "title", "kpi", "body", "acceptance_criteria"]
    actions = [_move_action(status) for status in BacklogTicket.Status.values]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            emit(
                "ticket.created",
                {
                    "ticket": obj.key,
                    "title": obj.title,
                    "priority": obj.priority,
                    "source": "admin",
                    "admin_path": admin_path(obj),
                },
            )

    readonly_fields = ["rendered_body", "created_at", "updated_at", "done_at", "changes"]
    autocomplete_fields = []
    fieldsets = [
        (None, {"fields": ["key", "title", "priority", "status", "owner", "target_week", "due_date"]}),
        ("Outcome", {"fields": ["kpi", "target", "signal_30d", "acceptance_criteria"]}),
        ("Body", {"fields": ["body", "rendered_body"]}),
        ("History", {"fields": ["created_at", "updated_at", "done_at", "changes"]}),
    ]

    def has_move_permission(self, request) -> bool:
        return request.user.has_perm("bizops.move_backlogticket")

    @admin.display(description="title", ordering="title")
    def short_title(self, obj: BacklogTicket):
        """Two lines at most in the list (see backlog.css); the whole title on hover."""
        return format_html('<span class="ticket-title" title="{}">{}</span>', obj.title, obj.title)

    @admin.display(description="age", ordering="created_at")
    def age_days(self, obj: BacklogTicket) -> str:
        days = (timezone.now() - obj.created_at).days
        return f"{days} d"

    @admin.display(description="body as shown")
    def rendered_body(self, obj: BacklogTicket):
        return render_markdown(obj.body) if obj.pk else "-"

    @admin.display(description="change log")
    def changes(self, obj: BacklogTicket):
        if not obj.pk:
            return "-"
        return mark_safe(render_to_string("bizops/change_log.html", {"changes": change_log(obj)}))  # noqa: S308 - template autoescapes


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    class Media:
        css = {"all": ["bizops/markdown.css"]}

    list_display = ["title", "kind", "period", "produced_by", "created_at"]
    list_filter = ["kind", "produced_by", "created_at"]
    search_fields = ["title", "slug", "body"]
    date_hierarchy = "created_at"
    readonly_fields = ["figures_table", "rendered_body", "created_at"]
    prepopulated_fields = {"slug": ["title"]}
    fields = [
        "kind",
        "title",
        "slug",
        "period_start",
        "period_end",
        "produced_by",
        "figures_table",
        "body",
        "rendered_body",
        "created_at",
    ]

    @admin.display(description="figures")
    def figures_table(self, obj: Report):
        found = figures.rows(obj.figures) if obj.pk else []
        if not found:
            return "-"
        body = format_html_join("", '<tr><th scope="row">{}</th><td>{}</td></tr>', found)
        return format_html('<table class="report-figures"><tbody>{}</tbody></table>', body)

    @admin.display(description="report")
    def rendered_body(self, obj: Report):
        return render_markdown(obj.body) if obj.pk else "-"
