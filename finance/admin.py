"""Finance in the admin: assumption sets (saved as new versions), scenarios, forecast runs.

Admin classes are thin: versions, runs, imports and exports are plain modules.
"""

from django.contrib import admin, messages
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from bizops.core.admin_numbers import NumbersAdmin
from bizops.core.history_admin import HistoryAdmin
from finance import exports
from finance.admin_views import AssumptionImportView, export_json_response, run_and_tell
from finance.drivers import BY_NAME, COMMERCE_BY_NAME, DRIVERS, SHARED_NAMES
from finance.forms import (
    OVERRIDABLE,
    AssumptionSetForm,
    ScenarioForm,
    notes_field,
    override_field,
    scenario_drivers,
    source_field,
)
from finance.models import AssumptionSet, ForecastRun, Scenario
from finance.report import amount, month_label, number
from finance.versions import differences, save_new_version

DRIVER_GROUPS = [
    ("Starting point", ["starting_cash", "starting_customers", "starting_mrr"]),
    ("Revenue", ["price", "expansion_pct"]),
    ("Acquisition", ["ad_budget", "ad_budget_growth_pct", "cac", "organic_new_customers"]),
    ("Retention", ["churn_pct"]),
    ("Margin", ["cogs_pct", "payment_fee_pct"]),
    ("Fixed costs", ["fixed_salaries", "fixed_tools", "fixed_other"]),
]


class CurrentVersionFilter(admin.SimpleListFilter):
    title = "version"
    parameter_name = "versions"

    def lookups(self, request, model_admin):
        return [("current", "Newest only"), ("all", "All versions")]

    def choices(self, changelist):
        # "Newest only" is the default view, so it is the choice when nothing is chosen.
        for lookup, title in self.lookup_choices:
            selected = self.value() == lookup or (self.value() is None and lookup == "current")
            yield {
                "selected": selected,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        return queryset if self.value() == "all" else queryset.current()


@admin.register(AssumptionSet)
class AssumptionSetAdmin(admin.ModelAdmin):
    form = AssumptionSetForm
    change_form_template = "admin/finance/assumptionset/change_form.html"
    change_list_template = "admin/finance/assumptionset/change_list.html"
    list_display = [
        "name",
        "version",
        "start_month",
        "horizon_months",
        "revenue_model",
        "documented",
        "scenario_count",
        "created_by",
        "created_at",
    ]
    list_filter = [CurrentVersionFilter, "name", "created_at"]
    list_select_related = ["created_by"]
    search_fields = ["name", "note"]
    actions = ["run_forecast", "calibrate", "export_json"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(scenario_total=Count("scenarios", distinct=True))

    def get_fieldsets(self, request, obj=None):
        head = [
            "name",
            "revenue_model",
            "start_month",
            "horizon_months",
            source_field("horizon_months"),
            "note",
        ]
        if obj:
            head = ["version_info", *head[1:]]
        fieldsets = [(None, {"fields": head})]
        for title, names in DRIVER_GROUPS:
            fieldsets.append((title, {"fields": [(name, source_field(name)) for name in names]}))
        fieldsets.append(
            (
                "Commerce model",
                {
                    "fields": ["commerce", "repeat_curve", "prior_cohorts"],
                    "description": "Read by commerce sets only (the subscription drivers above are then 0). "
                    "Calibrate from data with the list's action or `manage.py calibrate_assumptions`.",
                },
            )
        )
        fieldsets.append(("One-off costs", {"fields": ["one_off_costs"]}))
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        return ["version_info"] if obj else []

    @admin.display(description="version")
    def version_info(self, obj: AssumptionSet) -> str:
        newest = "" if obj.is_current else " (a newer version exists)"
        by = f" by {obj.created_by}" if obj.created_by else ""
        return f"{obj} — saved {timezone.localtime(obj.created_at):%Y-%m-%d %H:%M}{by}{newest}"

    @admin.display(description="sourced")
    def documented(self, obj: AssumptionSet) -> str:
        sources = obj.sources or {}
        return f"{sum(1 for d in DRIVERS if sources.get(d.name))}/{len(DRIVERS)}"

    @admin.display(description="scenarios", ordering="scenario_total")
    def scenario_count(self, obj: AssumptionSet) -> int:
        return obj.scenario_total

    def save_model(self, request, obj, form, change):
        if change and not form.has_changed():
            messages.info(request, f"Nothing changed: {obj} is kept as it is.")
            request._finance_saved = None
            return
        before = AssumptionSet.objects.get(pk=obj.pk) if change else None
        result = save_new_version(obj, user=request.user)
        changed = ", ".join(field for field, _, _ in differences(before, result.assumption_set))
        kept = f"; {before} is kept for the forecasts made with it" if before else ""
        detail = f" ({changed})" if changed else ""
        messages.success(request, f"Saved {result.assumption_set}{detail}{kept}.")
        request._finance_saved = result

    def response_add(self, request, obj, post_url_continue=None):
        self._run_moved(request)
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        self._run_moved(request)
        response = super().response_change(request, obj)
        if getattr(request, "_finance_saved", None) is not None and "_continue" in request.POST:
            # The save made a new version (``obj`` is it now); the admin would
            # send the person back to the URL they posted to, the old version.
            url = reverse("admin:finance_assumptionset_change", args=[obj.pk])
            preserved = {"preserved_filters": self.get_preserved_filters(request), "opts": self.opts}
            response = HttpResponseRedirect(add_preserved_filters(preserved, url))
        return response

    def _run_moved(self, request) -> None:
        result = getattr(request, "_finance_saved", None)
        if result is not None:
            run_and_tell(request, result.assumption_set.scenarios.all())

    def message_user(self, request, message, level=messages.INFO, *args, **kwargs):
        # After a save, save_model has said what became of the set (a new version, or
        # nothing changed): the admin's own "was changed successfully" would say less.
        if level == messages.SUCCESS and hasattr(request, "_finance_saved"):
            return
        super().message_user(request, message, level, *args, **kwargs)

    def has_delete_permission(self, request, obj=None):
        # A version used by a run or a scenario is part of the record.
        if obj is not None and (obj.runs.exists() or obj.scenarios.exists()):
            return False
        return super().has_delete_permission(request, obj)

    @admin.action(description="Run forecast for the scenarios of the selected sets", permissions=["run"])
    def run_forecast(self, request, queryset):
        run_and_tell(request, Scenario.objects.filter(assumption_set__in=queryset).select_related())

    @admin.action(
        description="Calibrate from the last 90 days of orders and ad spend (a new commerce version)",
        permissions=["add"],
    )
    def calibrate(self, request, queryset):
        from finance.calibration import save_calibrated

        for name in sorted(set(queryset.values_list("name", flat=True))):
            try:
                plan, result = save_calibrated(name, days=90, user=request.user)
            except ValidationError as exc:
                self.message_user(
                    request, f"{name} was not calibrated: {'; '.join(exc.messages)}", messages.ERROR
                )
                continue
            kept = f"; kept as typed (not enough data): {', '.join(result.kept)}" if result.kept else ""
            self.message_user(
                request, f"Saved {plan} calibrated from {result.window}{kept}.", messages.SUCCESS
            )
            run_and_tell(request, plan.scenarios.all())

    @admin.action(description="Export the selected set as JSON", permissions=["view"])
    def export_json(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one assumption set to export.", messages.WARNING)
            return None
        return export_json_response(queryset.get())

    def has_run_permission(self, request) -> bool:
        return request.user.has_perm("finance.add_forecastrun")

    def get_urls(self):
        return [
            path(
                "import-json/",
                self.admin_site.admin_view(AssumptionImportView.as_view(model_admin=self)),
                name="finance_assumptionset_import_json",
            ),
            path(
                "<int:pk>/export-json/",
                self.admin_site.admin_view(self.export_one),
                name="finance_assumptionset_export_json",
            ),
            *super().get_urls(),
        ]

    def export_one(self, request, pk: int):
        assumption_set = self.get_object(request, str(pk))
        if assumption_set is None:
            raise Http404(f"no assumption set with id {pk}")
        if not self.has_view_permission(request, assumption_set):
            raise PermissionDenied
        return export_json_response(assumption_set)


@admin.register(Scenario)
class ScenarioAdmin(HistoryAdmin):
    form = ScenarioForm
    list_display = ["name", "assumption_set", "overridden", "active", "position", "latest_run"]
    list_editable = ["active", "position"]
    list_filter = ["active", "assumption_set__name"]
    list_select_related = ["assumption_set"]
    search_fields = ["name", "description"]
    actions = ["run_forecast", "duplicate"]

    def get_fieldsets(self, request, obj=None):
        drivers = scenario_drivers(obj.assumption_set if obj is not None else None)
        overrides = [(override_field(d.name), notes_field(d.name)) for d in drivers]
        return [
            (None, {"fields": ["name", "description", "assumption_set", "active", "position"]}),
            (
                "Overrides",
                {"fields": overrides, "description": "Fill in only the drivers this scenario changes."},
            ),
        ]

    @admin.display(description="overrides")
    def overridden(self, obj: Scenario) -> str:
        label = lambda name: OVERRIDABLE[name].label if name in OVERRIDABLE else name  # noqa: E731
        items = (obj.overrides or {}).items()
        return ", ".join(f"{label(n)} {number(e['value'])}" for n, e in items) or "none"

    @admin.display(description="latest run")
    def latest_run(self, obj: Scenario):
        run = obj.runs.order_by("-created_at", "-id").first()
        if not run:
            return "not run yet"
        return format_html(
            '<a href="{}">{}</a>: {} {}, break-even {}',
            reverse("admin:finance_forecastrun_change", args=[run.pk]),
            f"{timezone.localtime(run.created_at):%Y-%m-%d %H:%M}",
            run.headline_phrase,
            amount(run.headline),
            month_label(run, run.break_even_month),
        )

    @admin.action(description="Run forecast for the selected scenarios", permissions=["run"])
    def run_forecast(self, request, queryset):
        run_and_tell(request, queryset.select_related("assumption_set"))

    @admin.action(description="Duplicate the selected scenarios", permissions=["add"])
    def duplicate(self, request, queryset):
        for scenario in queryset:
            copy = scenario.duplicate()
            self.message_user(request, f"Added {copy} (inactive until you switch it on).", messages.SUCCESS)

    def has_run_permission(self, request) -> bool:
        return request.user.has_perm("finance.add_forecastrun")


@admin.register(ForecastRun)
class ForecastRunAdmin(NumbersAdmin, admin.ModelAdmin):
    number_kinds = {"cash_trough": "money", "ending_cash": "money"}

    class Media:
        css = {"all": ["finance/finance.css"]}

    change_list_template = "admin/finance/forecastrun/change_list.html"
    list_display = [
        "created_at",
        "scenario_name",
        "assumption_set",
        "revenue_model",
        "headline",
        "break_even",
        "cash_trough",
        "ending_cash",
    ]
    list_filter = ["scenario_name", "assumption_set__name", "created_at"]
    list_select_related = ["assumption_set"]
    date_hierarchy = "created_at"
    search_fields = ["scenario_name", "produced_by"]
    actions = ["export_csv", "export_xlsx"]
    fields = ["overview", "monthly_table", "levers_table", "inputs_table"]
    readonly_fields = fields

    def has_add_permission(self, request):
        # Runs are made by running a scenario, never typed in.
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="month 12")
    def headline(self, obj: ForecastRun) -> str:
        """Net sales (commerce) or MRR (subscription) in the 12th month."""
        return f"{amount(obj.headline)} {'net sales' if obj.is_commerce else 'MRR'}"

    @admin.display(description="break-even", ordering="break_even_month")
    def break_even(self, obj: ForecastRun) -> str:
        return month_label(obj, obj.break_even_month)

    def _render(self, template: str, run: ForecastRun, **context) -> str:
        return mark_safe(render_to_string(template, {"run": run, **context}))  # noqa: S308 - template autoescapes

    @admin.display(description="summary")
    def overview(self, obj: ForecastRun):
        return self._render(
            "finance/run_summary.html", obj, break_even=month_label(obj, obj.break_even_month)
        )

    @admin.display(description="months")
    def monthly_table(self, obj: ForecastRun):
        template = "finance/run_months_commerce.html" if obj.is_commerce else "finance/run_months.html"
        return self._render(template, obj, months=obj.months.order_by("month"))

    @admin.display(description="levers")
    def levers_table(self, obj: ForecastRun):
        return self._render("finance/run_levers.html", obj, levers=obj.levers)

    @admin.display(description="inputs")
    def inputs_table(self, obj: ForecastRun):
        if obj.is_commerce:
            labels = {name: BY_NAME[name].label for name in SHARED_NAMES} | {
                name: COMMERCE_BY_NAME[name].label for name in COMMERCE_BY_NAME
            }
            rows = [(label, number(obj.inputs.get(name))) for name, label in labels.items()]
        else:
            rows = [(BY_NAME[name].label, number(obj.inputs[name])) for name in BY_NAME]
        return self._render("finance/run_inputs.html", obj, rows=rows)

    @admin.action(description="Export the selected runs as finance_model.csv")
    def export_csv(self, request, queryset):
        runs = list(queryset.select_related("assumption_set").order_by("scenario_name", "created_at"))
        response = HttpResponse(exports.csv_text(runs), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="finance_model.csv"'
        return response

    @admin.action(description="Export the selected runs as finance_model.xlsx")
    def export_xlsx(self, request, queryset):
        runs = list(queryset.select_related("assumption_set").order_by("scenario_name", "created_at"))
        response = HttpResponse(
            exports.xlsx_bytes(runs),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = 'attachment; filename="finance_model.xlsx"'
        return response
