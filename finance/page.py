"""The forecast page's data: one payload for the charts, built from the latest runs.

Money travels as strings (Decimal text) and is turned into numbers only by
the chart script, for drawing.
"""

from decimal import Decimal

from django.conf import settings

from finance.actuals import METRICS, VarianceMonth
from finance.models import ForecastRun
from finance.services import text


def _labels(runs: list[ForecastRun], months_by_run: dict[int, list]) -> list[str]:
    periods = sorted({m.period for run in runs for m in months_by_run[run.pk]})
    return [f"{p:%Y-%m}" for p in periods]


def _series(labels: list[str], months: list, column: str) -> list[str | None]:
    by_label = {f"{m.period:%Y-%m}": getattr(m, column) for m in months}
    return [text(by_label.get(label)) for label in labels]


def _levers(run: ForecastRun) -> dict:
    base_mrr = Decimal(run.month_12_mrr)
    mrr_rows = [row for row in sorted(run.levers, key=lambda r: r["rank_mrr"]) if Decimal(row["mrr_swing"])]
    even_rows = [
        row for row in sorted(run.levers, key=lambda r: r["rank_break_even"]) if row["break_even_swing"]
    ]
    return {
        "scenario": run.scenario_name,
        "step": run.inputs["lever_step_pct"],
        "mrr_base": text(base_mrr),
        "mrr": [
            {
                "label": row["label"],
                "low": text(Decimal(row["mrr_12_low"]) - base_mrr),
                "high": text(Decimal(row["mrr_12_high"]) - base_mrr),
            }
            for row in mrr_rows
        ],
        "break_even_base": run.break_even_month,
        "break_even": [
            {"label": row["label"], "low": row["break_even_shift_low"], "high": row["break_even_shift_high"]}
            for row in even_rows
        ],
    }


def _actuals(months: list[VarianceMonth]) -> dict:
    return {
        "labels": [f"{m.period:%Y-%m}" for m in months],
        "metrics": {
            key: {
                "label": label,
                "actual": [text(m.metrics[key].actual) for m in months],
                "forecast": [text(m.metrics[key].forecast) for m in months],
            }
            for key, label in METRICS
        },
    }


def payload(runs: list[ForecastRun], selected: ForecastRun | None, actuals: list[VarianceMonth]) -> dict:
    months_by_run = {run.pk: list(run.months.order_by("month")) for run in runs}
    labels = _labels(runs, months_by_run)
    scenarios = []
    for run in runs:
        months = months_by_run[run.pk]
        even = run.break_even_month
        scenarios.append(
            {
                "name": run.scenario_name,
                "run": run.pk,
                "assumption_set": str(run.assumption_set),
                "mrr": _series(labels, months, "mrr"),
                "cash": _series(labels, months, "cash"),
                "break_even_month": even,
                "break_even_label": f"{months[even - 1].period:%Y-%m}" if even else None,
            }
        )
    return {
        "currency": settings.REPORTING_CURRENCY,
        "labels": labels,
        "scenarios": scenarios,
        "levers": _levers(selected) if selected else None,
        "actuals": _actuals(actuals),
    }
