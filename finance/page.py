"""The forecast page's data: one payload for the charts, built from the latest runs.

Money travels as strings (Decimal text) and is turned into numbers only by
the chart script, for drawing.
"""

from decimal import Decimal

from django.conf import settings

from finance.actuals import VarianceMonth, metrics_of
from finance.models import ForecastRun
from finance.services import text

CURVE_MONTHS = 12


def _labels(runs: list[ForecastRun], months_by_run: dict[int, list]) -> list[str]:
    periods = sorted({m.period for run in runs for m in months_by_run[run.pk]})
    return [f"{p:%Y-%m}" for p in periods]


def _series(labels: list[str], months: list, column: str) -> list[str | None]:
    by_label = {f"{m.period:%Y-%m}": getattr(m, column) for m in months}
    return [text(by_label.get(label)) for label in labels]


def _levers(run: ForecastRun) -> dict:
    base_mrr = Decimal(run.headline)
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


def _actuals(run: ForecastRun | None, months: list[VarianceMonth]) -> dict:
    metrics = metrics_of(run) if run else ()
    return {
        "labels": [f"{m.period:%Y-%m}" for m in months],
        "primary": metrics[0][0] if metrics else None,
        "partial": [m.partial for m in months],
        "metrics": {
            key: {
                "label": label,
                "actual": [text(m.metrics[key].actual) for m in months],
                "forecast": [text(m.metrics[key].forecast) for m in months],
            }
            for key, label in metrics
        },
    }


def repeat_curve(run: ForecastRun) -> dict | None:
    """The curve a commerce run used (its tail extended by the set's rule) and what was measured.

    used[k] = the run's curve; beyond its end the last value x (1 - decay) ^ (k - n); measured[k]
    = the pooled share of the calibration (None where no cohort had month k), and each cohort's
    own shares over its ended months.
    """
    if not run.is_commerce:
        return None
    curve = [Decimal(v) for v in run.inputs.get("repeat_curve", [])]
    decay = Decimal(run.inputs.get("repeat_tail_decay_pct", "0")) / 100
    used = []
    for k in range(1, CURVE_MONTHS + 1):
        if k <= len(curve):
            used.append(curve[k - 1])
        elif curve:
            used.append((curve[-1] * (1 - decay) ** (k - len(curve))).quantize(Decimal("0.001")))
        else:
            used.append(Decimal(0))
    calibration = run.assumption_set.calibration or {}
    pooled = {row["k"]: row["share"] for row in calibration.get("curve", [])}
    return {
        "labels": [f"month {k}" for k in range(1, CURVE_MONTHS + 1)],
        "used": [text(v) for v in used],
        "projected_from": len(curve) + 1,
        "measured": [pooled.get(k) for k in range(1, CURVE_MONTHS + 1)],
        "cohorts": [
            {
                "label": f"{row['cohort']} ({row['size']:,})",
                "shares": [row["shares"].get(str(k)) for k in range(1, CURVE_MONTHS + 1)],
            }
            for row in calibration.get("cohorts", [])[-12:]
        ],
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
                "model": run.revenue_model,
                "mrr": _series(labels, months, "mrr"),
                "headline": _series(labels, months, "revenue" if run.is_commerce else "mrr"),
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
        "headline_label": (
            "Net sales"
            if all(r.is_commerce for r in runs)
            else "MRR"
            if runs and not any(r.is_commerce for r in runs)
            else "MRR (subscription) or net sales (commerce)"
        ),
        "actuals": _actuals(selected, actuals),
        "curve": repeat_curve(selected) if selected else None,
    }
