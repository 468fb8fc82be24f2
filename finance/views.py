"""The forecast page (staff with the finance view permission), its run button and downloads."""

from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET, require_POST

from finance import exports
from finance.actuals import actual_vs_forecast, metrics_of
from finance.admin_views import run_and_tell
from finance.backtest import backtest_runs, by_scenario
from finance.drivers import BY_NAME, COMMERCE_BY_NAME, REPEAT_CURVE
from finance.models import Scenario
from finance.page import payload
from finance.report import amount, month_label, number
from finance.services import latest_runs

DOWNLOADS = {
    "csv": ("text/csv; charset=utf-8", exports.csv_text),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", exports.xlsx_bytes),
}


def _require(request, perm: str) -> None:
    if not request.user.has_perm(f"finance.{perm}"):
        raise PermissionDenied


def _active_scenarios() -> list[Scenario]:
    return list(Scenario.objects.filter(active=True).select_related("assumption_set"))


@require_GET
def forecast_page(request):
    _require(request, "view_forecastrun")
    scenarios = _active_scenarios()
    runs = latest_runs(scenarios)
    chosen = request.GET.get("scenario", "")
    selected = next((r for r in runs if str(r.scenario_id) == chosen), None)
    if selected is None:
        selected = next((r for r in runs if r.scenario_name.lower() == "base"), runs[0] if runs else None)
    actuals = actual_vs_forecast(selected) if selected else []
    run_ids = {run.scenario_id for run in runs}
    summaries = [
        {
            "run": run,
            "break_even": month_label(run, run.break_even_month),
            "trough_month": month_label(run, run.summary["cash_trough_month"]),
            "churn_floor": number(run.summary["churn_pct_used"])
            if run.summary.get("churn_floored")
            else None,
            "month_12_mrr": amount(run.headline),
        }
        for run in runs
    ]
    scores = backtest_runs()
    backtests = [
        {"model": label, "metrics": group[0].metrics, "scores": group, "scenarios": by_scenario(group)}
        for label, group in (
            ("Commerce", [s for s in scores if s.run.is_commerce]),
            ("Subscription", [s for s in scores if not s.run.is_commerce]),
        )
        if group
    ]
    context = {
        **admin.site.each_context(request),
        "currency": settings.REPORTING_CURRENCY,
        "backtests": backtests,
        "calibration": _calibration(selected) if selected else None,
        "title": "Forecast",
        "reporting_timezone": settings.REPORTING_TIMEZONE,
        "runs": runs,
        "summaries": summaries,
        "selected": selected,
        "actuals": actuals,
        "metrics": metrics_of(selected) if selected else (),
        "not_run": [s for s in scenarios if s.pk not in run_ids],
        "has_scenarios": bool(scenarios),
        "can_run": request.user.has_perm("finance.add_forecastrun"),
        "payload": payload(runs, selected, actuals),
    }
    return TemplateResponse(request, "finance/forecast.html", context)


def _calibration(run) -> dict | None:
    """The selected run's set: its model, and for a calibrated set each driver's note."""
    assumption_set = run.assumption_set
    labels = {**{n: d.label for n, d in BY_NAME.items()}, **{n: d.label for n, d in COMMERCE_BY_NAME.items()}}
    labels[REPEAT_CURVE] = "Repeat curve"
    labels["prior_cohorts"] = "Prior cohorts"
    calibration = assumption_set.calibration or {}
    notes = [
        {"label": labels.get(name, name), "note": note}
        for name, note in sorted((assumption_set.sources or {}).items())
        if name in labels and (not run.is_commerce or name not in BY_NAME or name in run.inputs)
    ]
    return {
        "set": assumption_set,
        "model": assumption_set.get_revenue_model_display(),
        "window": calibration.get("window"),
        "kept": calibration.get("kept", []),
        "notes": notes,
    }


@require_POST
def run_now(request):
    _require(request, "add_forecastrun")
    run_and_tell(request, _active_scenarios())
    return redirect("finance:forecast")


@require_GET
def download(request, fmt: str):
    _require(request, "view_forecastrun")
    if fmt not in DOWNLOADS:
        raise Http404("finance_model comes as .csv or .xlsx")
    content_type, render = DOWNLOADS[fmt]
    response = HttpResponse(render(latest_runs(_active_scenarios())), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="finance_model.{fmt}"'
    return response
