from django.contrib import admin

from health.models import JobRun


@admin.register(JobRun)
class JobRunAdmin(admin.ModelAdmin):
    list_display = [
        "job",
        "trigger",
        "status_badge",
        "started_at",
        "duration",
        "rows_read",
        "rows_written",
        "short_error",
    ]
    list_filter = ["status", "trigger", "job", "started_at"]
    search_fields = ["job", "error", "task_id"]
    date_hierarchy = "started_at"
    readonly_fields = [f.name for f in JobRun._meta.fields]

    def has_add_permission(self, request):
        # Runs are facts recorded by the job wrapper, never typed in.
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="status", ordering="status")
    def status_badge(self, obj: JobRun) -> str:
        return obj.get_status_display()

    @admin.display(description="error")
    def short_error(self, obj: JobRun) -> str:
        return obj.error[:120]
