from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.safestring import mark_safe

from bizops.core.admin_numbers import NumbersAdmin
from bizops.core.history_admin import HistoryAdmin
from bizops.events.outbox import admin_path, emit
from flags import display, results
from flags.admin.forms import JSON_OVERRIDES
from flags.models import Conversion, Experiment, ExperimentResult, Exposure
from flags.tasks import recompute_results


@admin.action(description="Recompute results of selected experiments", permissions=["change"])
def recompute(modeladmin, request, queryset):
    started = results.computable(queryset)
    for experiment_id in started.values_list("pk", flat=True):
        transaction.on_commit(lambda pk=experiment_id: recompute_results.delay(experiment_id=pk))
    modeladmin.message_user(request, f"Recomputing {started.count()} experiment(s).", messages.SUCCESS)


class ResultInline(admin.TabularInline):
    model = ExperimentResult
    extra = 0
    can_delete = False
    fields = [
        "metric",
        "variant",
        "user_count",
        "conversion_count",
        "rate_shown",
        "lift_shown",
        "ci",
        "p",
        "note",
    ]
    readonly_fields = fields
    verbose_name_plural = "results (relative lift against the control, 95% interval, Welch t-test)"

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="users")
    def user_count(self, obj: ExperimentResult) -> str:
        return f"{obj.users:,}"

    @admin.display(description="conversions")
    def conversion_count(self, obj: ExperimentResult) -> str:
        return f"{obj.conversions:,}"

    @admin.display(description="rate")
    def rate_shown(self, obj: ExperimentResult) -> str:
        return display.percent(obj.rate)

    @admin.display(description="relative lift")
    def lift_shown(self, obj: ExperimentResult) -> str:
        return display.percent(obj.lift, signed=True)

    @admin.display(description="95% interval of the lift")
    def ci(self, obj: ExperimentResult) -> str:
        return display.interval(obj.ci_low, obj.ci_high)

    @admin.display(description="p-value")
    def p(self, obj: ExperimentResult) -> str:
        return display.p_value(obj.p_value)


@admin.register(Experiment)
class ExperimentAdmin(HistoryAdmin):
    formfield_overrides = JSON_OVERRIDES
    list_display = ["key", "name", "status", "ice", "flag", "owner", "started_at", "verdict", "decision"]
    list_filter = ["status", "decision", "owner"]
    list_select_related = ["flag", "owner", "analysis"]
    search_fields = ["key", "name", "hypothesis"]
    autocomplete_fields = ["flag"]
    actions = [recompute]
    inlines = [ResultInline]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if obj.status == Experiment.Status.DECIDED and "status" in form.changed_data:
            emit(
                "experiment.decided",
                {
                    "experiment": obj.key,
                    "decision": obj.decision,
                    "reasoning": obj.reasoning,
                    "admin_path": admin_path(obj),
                },
            )

    readonly_fields = ["ice", "analysis_summary", "results_chart"]
    fieldsets = [
        (None, {"fields": ["key", "name", "hypothesis", "owner", "status"]}),
        ("Portfolio (ICE)", {"fields": ["impact", "confidence", "ease", "ice"]}),
        ("Design", {"fields": ["flag", "variants", "primary_metric", "guardrail_metrics"]}),
        ("Run", {"fields": ["started_at", "ended_at"]}),
        ("Results", {"fields": ["analysis_summary", "results_chart"]}),
        ("Decision", {"fields": ["decision", "reasoning"]}),
    ]

    class Media:
        css = {"all": ["flags/results_chart.css", "flags/experiments.css"]}
        js = ["vendor/chartjs/chart.umd.min.js", "flags/results_chart.js"]

    @admin.display(description="ICE", ordering="impact")
    def ice(self, obj: Experiment):
        return obj.ice_score if obj.ice_score is not None else "-"

    @admin.display(description="verdict")
    def verdict(self, obj: Experiment) -> str:
        analysis = getattr(obj, "analysis", None)
        return analysis.get_verdict_display() if analysis else "-"

    @admin.display(description="analysis")
    def analysis_summary(self, obj: Experiment) -> str:
        analysis = getattr(obj, "analysis", None) if obj.pk else None
        if analysis is None:
            return 'Not computed yet (hourly, or the "Recompute results" action).'
        srm = f"{analysis.srm_p_value:.4g}" if analysis.srm_p_value is not None else "n/a"
        return (
            f"{analysis.get_verdict_display()}: {analysis.verdict_reason}. {analysis.users} users; "
            f"sample ratio p = {srm}{' (MISMATCH)' if analysis.srm_flagged else ''}; "
            f"computed {timezone.localtime(analysis.computed_at):%Y-%m-%d %H:%M %Z}."
        )

    @admin.display(description="chart")
    def results_chart(self, obj: Experiment):
        if not obj.pk or not obj.results.exists():
            return "-"
        return mark_safe(  # noqa: S308 - a template that autoescapes; data goes through json_script
            render_to_string("flags/results_chart.html", {"data": results.chart_data(obj)})
        )

    def get_urls(self):
        return [
            path(
                "portfolio/",
                self.admin_site.admin_view(self.portfolio_view),
                name="flags_experiment_portfolio",
            ),
            *super().get_urls(),
        ]

    def portfolio_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        ideas = list(
            Experiment.objects.filter(status__in=[Experiment.Status.IDEA, Experiment.Status.PLANNED])
            .select_related("owner", "flag")
            .order_by("created_at")
        )
        ranked = sorted(ideas, key=lambda e: (e.ice_score is None, -(e.ice_score or 0), e.created_at))
        context = {
            **self.admin_site.each_context(request),
            "title": "Experiment portfolio: ideas ranked by ICE",
            "ranked": ranked,
            "running": Experiment.objects.filter(status=Experiment.Status.RUNNING).select_related("analysis"),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "flags/portfolio.html", context)


@admin.register(Exposure)
class ExposureAdmin(admin.ModelAdmin):
    list_display = ["experiment", "user_key", "variant", "exposed_at"]
    list_filter = ["experiment", "variant"]
    search_fields = ["user_key"]
    date_hierarchy = "exposed_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Conversion)
class ConversionAdmin(NumbersAdmin, admin.ModelAdmin):
    number_kinds = {"value": "money"}
    list_display = ["metric", "user_key", "value", "occurred_at", "source", "ref"]
    list_filter = ["metric", "source"]
    search_fields = ["user_key", "ref"]
    date_hierarchy = "occurred_at"

    def has_change_permission(self, request, obj=None) -> bool:
        return False
