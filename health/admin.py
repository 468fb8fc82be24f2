from django.contrib import admin
from django.utils.html import format_html

from bizops.core import durations
from bizops.core.admin_numbers import NumbersAdmin
from health.models import JobRun


@admin.register(JobRun)
class JobRunAdmin(NumbersAdmin, admin.ModelAdmin):
    number_kinds = {"duration": "duration", "rows_read": "int", "rows_written": "int"}
    list_display = [
        "job",
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
