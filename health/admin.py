from django.contrib import admin
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from bizops.core import durations
from bizops.core.admin_numbers import NumbersAdmin
from bizops.core.boards import Dashboard, register_dashboard
from health import admin_pages
from health.models import Flip, HealthSnapshot, JobRun, Monitor

register_dashboard(
    Dashboard(
        "System health",
        "admin:health_overview",
        "Scores over time, open findings by family, jobs by state, sources by freshness.",
        "health.view_monitor",
    )
)


@admin.register(JobRun)
class JobRunAdmin(NumbersAdmin, admin.ModelAdmin):
    number_kinds = {"duration": "duration", "rows_read": "int", "rows_written": "int"}
    list_display = [
        "job_link",
        "status_badge",
        "started_at",
        "duration_shown",
        "rows",
        "short_error",
    ]
    list_filter = ["status", "trigger", "job", "started_at"]
    search_fields = ["job", "error", "task_id"]
    date_hierarchy = "started_at"
    readonly_fields = [f.name for f in JobRun._meta.fields]

    class Media:
        css = {"all": ["health/jobrun_admin.css"]}

    def has_add_permission(self, request):
        # Runs are facts recorded by the job wrapper, never typed in.
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="job", ordering="job")
    def job_link(self, obj: JobRun) -> str:
        return format_html('<a href="{}">{}</a>', reverse("admin:health_job", args=[obj.job]), obj.job)

    @admin.display(description="status", ordering="status")
    def status_badge(self, obj: JobRun) -> str:
        return obj.get_status_display()

    @admin.display(description="duration", ordering="duration")
    def duration_shown(self, obj: JobRun) -> str:
        return durations.human(obj.duration)

    @admin.display(description="rows read / written", ordering="rows_read")
    def rows(self, obj: JobRun) -> str:
        return f"{obj.rows_read:,} / {obj.rows_written:,}"

    @admin.display(description="error")
    def short_error(self, obj: JobRun) -> str:
        if not obj.error:
            return ""
        clipped = obj.error if len(obj.error) <= 120 else obj.error[:119] + "…"
        return format_html('<span class="jobrun-error" title="{}">{}</span>', obj.error, clipped)


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Monitor)
class MonitorAdmin(ReadOnly):
    """Jobs and sources with their state; the health overview and job pages hang here."""

    list_display = ["name_link", "kind", "state", "since", "reason"]
    list_filter = ["kind", "state"]
    search_fields = ["name", "reason"]

    @admin.display(description="name", ordering="name")
    def name_link(self, obj: Monitor) -> str:
        if obj.kind == Monitor.Kind.JOB:
            return format_html('<a href="{}">{}</a>', reverse("admin:health_job", args=[obj.name]), obj.name)
        return obj.name

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("overview/", view(self.overview_view), name="health_overview"),
            path("job/<str:name>/", view(self.job_view), name="health_job"),
            *super().get_urls(),
        ]

    def _page(self, request, template: str, title: str, **context):
        if not self.has_view_permission(request):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.model._meta,
            **context,
        }
        return TemplateResponse(request, template, context)

    def overview_view(self, request):
        return self._page(request, "admin/health/overview.html", "System health", page=admin_pages.overview())

    def job_view(self, request, name: str):
        page = admin_pages.job_page(name)
        return self._page(request, "admin/health/job.html", f"Job {name}", page=page)


@admin.register(Flip)
class FlipAdmin(ReadOnly):
    list_display = ["monitor", "at", "old_state", "new_state", "reason"]
    list_filter = ["new_state", "monitor__kind"]
    date_hierarchy = "at"


@admin.register(HealthSnapshot)
class HealthSnapshotAdmin(ReadOnly):
    """Each sweep's scores and findings, as the weekly report was written from them."""

    list_display = [
        "taken_at",
        "resilience",
        "entropy",
        "coherence",
        "open_findings",
        "tickets_closed",
        "report_slug",
    ]
    date_hierarchy = "taken_at"

    def _score(self, obj: HealthSnapshot, key: str) -> str:
        value = obj.scores.get(key, {}).get("value")
        return "not enough data" if value is None else f"{value:,.1f}"

    @admin.display(description="resilience index")
    def resilience(self, obj: HealthSnapshot) -> str:
        return self._score(obj, "resilience")

    @admin.display(description="entropy delta")
    def entropy(self, obj: HealthSnapshot) -> str:
        value = obj.scores.get("entropy", {}).get("value")
        return "not enough data" if value is None else f"{value:+,.0f}"

    @admin.display(description="coherence")
    def coherence(self, obj: HealthSnapshot) -> str:
        return self._score(obj, "coherence")

    @admin.display(description="open findings")
    def open_findings(self, obj: HealthSnapshot) -> str:
        return f"{len(obj.findings):,}"
