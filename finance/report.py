"""The forecast memo: a ``Report`` (kind finance) in Markdown, with the figures behind it."""

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from bizops.core.models import Report
from finance.actuals import actual_vs_forecast, metrics_of
from finance.backtest import backtest_runs, by_scenario
from finance.drivers import BY_NAME, NAMES, add_months, plain
from finance.models import ForecastRun

MARGIN_LEVERS = ("price", "cogs_pct", "payment_fee_pct")
COMMERCE_MARGIN_LEVERS = (
    "first_order_aov",
    "repeat_aov",
    "discount_pct",
    "returns_pct",
    "cogs_pct",
    "fulfilment_per_order",
    "payment_fee_pct",
)
TOP = 5


def amount(value) -> str:
    """Money to the cent with thousands separators; the currency is said once per table."""
    if value is None:
        return "n/a"
    return f"{Decimal(value):,.2f}"


def figure(value) -> str:
    """A compared figure: money to the cent, counts to 2 places (expected values)."""
    return "n/a" if value is None else f"{Decimal(value):,.2f}"


def percent(value) -> str:
    return "n/a" if value is None else f"{Decimal(value):+.1f} %"


def number(value) -> str:
    """A driver value without trailing zeros, thousands separated: 10.000 -> 10, 35261.20 -> 35,261.2."""
    return "n/a" if value is None else f"{Decimal(plain(value)):,f}"


def signed(value) -> str:
    value = Decimal(value)
    return f"{'+' if value >= 0 else '-'}{abs(value):,.2f}"


def month_label(run: ForecastRun, month: int | None) -> str:
    if month is None:
        return f"not within {run.inputs['horizon_months']} months"
    if month == 0:
        return "at the start"
    start = run.assumption_set.start_month
    return f"month {month} ({add_months(start, month - 1):%Y-%m})"


def previous_run(run: ForecastRun) -> ForecastRun | None:
    earlier = ForecastRun.objects.filter(pk__lt=run.pk).select_related("assumption_set")
    if run.scenario_id:
        earlier = earlier.filter(scenario_id=run.scenario_id)
    else:
        earlier = earlier.filter(scenario_name=run.scenario_name)
    return earlier.order_by("-pk").first()


def changes_since(run: ForecastRun, before: ForecastRun | None) -> list[str]:
    """What differs from the scenario's previous run, in words."""
    if before is None:
        return ["first run of this scenario"]
    lines = []
    if before.assumption_set_id != run.assumption_set_id:
        lines.append(f"assumptions {before.assumption_set} → {run.assumption_set}")
    for name in ("start_month", *NAMES, "churn_floor_pct", "lever_step_pct"):
        old, new = before.inputs.get(name), run.inputs.get(name)
        if old is not None and new is not None and name in NAMES:
            if Decimal(old) == Decimal(new):
                continue
        elif old == new:
            continue
        label = BY_NAME[name].label if name in BY_NAME else name.replace("_", " ")
        if name in NAMES or name.endswith("_pct"):
            old, new = number(old), number(new)
        lines.append(f"{label}: {old} → {new}")
    if before.inputs.get("one_off_costs") != run.inputs.get("one_off_costs"):
        lines.append("one-off costs changed")
    if before.inputs_hash == run.inputs_hash:
        lines.append("no input changed: same figures")
        return lines
    if before.headline != run.headline and before.headline is not None and run.headline is not None:
        lines.append(
            f"{run.headline_phrase} {amount(before.headline)} → {amount(run.headline)} "
            f"({signed(run.headline - before.headline)})"
        )
    if before.break_even_month != run.break_even_month:
        lines.append(
            f"break-even {month_label(before, before.break_even_month)} → "
            f"{month_label(run, run.break_even_month)}"
        )
    if before.ending_cash != run.ending_cash:
        lines.append(f"ending cash {amount(before.ending_cash)} → {amount(run.ending_cash)}")
    return lines


def _lever_rows(run: ForecastRun, key: str, drivers=None) -> list[dict]:
    rows = [row for row in run.levers if drivers is None or row["driver"] in drivers]
    return sorted(rows, key=lambda row: row[key])


def _headline_label(runs: list[ForecastRun]) -> str:
    labels = {run.headline_label for run in runs}
    return labels.pop() if len(labels) == 1 else "Month-12 MRR or net sales"


def _summary_table(runs: list[ForecastRun]) -> list[str]:
    lines = [
        f"| Scenario | Assumptions | {_headline_label(runs)} | Break-even | Cash trough | Ending cash "
        "| LTV:CAC |",
        "|---|---|---:|---|---:|---:|---:|",
    ]
    for run in runs:
        s = run.summary
        trough = f"{amount(run.cash_trough)}, {month_label(run, s['cash_trough_month'])}"
        lines.append(
            f"| {run.scenario_name} | {run.assumption_set} | {amount(run.headline)} "
            f"| {month_label(run, run.break_even_month)} | {trough} | {amount(run.ending_cash)} "
            f"| {s['ltv_to_cac'] or 'n/a'} |"
        )
    return lines


def _unit_economics(runs: list[ForecastRun]) -> list[str]:
    lines = []
    for run in runs:
        s = run.summary
        if run.is_commerce:
            payback = s["cac_payback_months"]
            payback = (
                "n/a" if payback is None else ("on the first order" if payback == 0 else f"{payback} months")
            )
            lines.append(
                f"- **{run.scenario_name}** (commerce): CAC {amount(s['effective_cac'])}, first-order CM2 "
                f"{amount(s['first_order_cm2'])}, repeat-order CM2 {amount(s['repeat_order_cm2'])}, "
                f"{s['repeat_orders_12']} repeat orders per customer in months 1-11, 12-month value "
                f"{amount(s['value_12'])}, LTV:CAC {s['ltv_to_cac'] or 'n/a'}, CAC payback {payback}."
            )
            continue
        floor = f" (churn floored at {number(s['churn_pct_used'])} % for LTV)" if s["churn_floored"] else ""
        lines.append(
            f"- **{run.scenario_name}**: gross margin {number(s['gross_margin_pct'])} %, "
            f"LTV {amount(s['ltv'])}{floor}, "
            f"CAC payback {s['cac_payback_months'] or 'n/a'} months, LTV:CAC {s['ltv_to_cac'] or 'n/a'}."
        )
    return lines


def _margin_levers(run: ForecastRun) -> list[str]:
    step = run.inputs["lever_step_pct"]
    base = next((row["operating_profit_12_base"] for row in run.levers), None)
    margin = COMMERCE_MARGIN_LEVERS if run.is_commerce else MARGIN_LEVERS
    lines = [
        f"Month-12 operating profit of {run.scenario_name} ({amount(base)}) "
        f"with each margin driver moved -{step} % / +{step} %:",
        "",
        f"| Driver | Value | -{step} % | +{step} % |",
        "|---|---:|---:|---:|",
    ]
    for row in _lever_rows(run, "rank_mrr", margin):
        lines.append(
            f"| {row['label']} | {number(row['base_value'])} | {amount(row['operating_profit_12_low'])} "
            f"| {amount(row['operating_profit_12_high'])} |"
        )
    return lines


def _top_levers(run: ForecastRun) -> list[str]:
    step = run.inputs["lever_step_pct"]
    base = Decimal(run.headline)
    lines = [
        f"By effect on {run.headline_phrase} ({amount(base)}), each lever moved -{step} % / +{step} %, "
        "ranked by the larger of its two one-sided moves:",
        "",
    ]
    lines += [f"| # | Lever | -{step} % | +{step} % |", "|---:|---|---:|---:|"]
    for row in [r for r in _lever_rows(run, "rank_mrr") if Decimal(r["mrr_swing"])][:TOP]:
        low, high = Decimal(row["mrr_12_low"]) - base, Decimal(row["mrr_12_high"]) - base
        lines.append(f"| {row['rank_mrr']} | {row['label']} | {signed(low)} | {signed(high)} |")
    lines += ["", f"By effect on the break-even month ({month_label(run, run.break_even_month)}):", ""]
    lines += [f"| # | Lever | -{step} % | +{step} % |", "|---:|---|---|---|"]
    moving = [r for r in _lever_rows(run, "rank_break_even") if r["break_even_swing"]][:TOP]
    for row in moving:
        lines.append(
            f"| {row['rank_break_even']} | {row['label']} | {month_label(run, row['break_even_low'])} "
            f"| {month_label(run, row['break_even_high'])} |"
        )
    if not moving:
        lines.append("| | no lever moves the break-even month | | |")
    return lines


def _actuals(run: ForecastRun) -> list[str]:
    months = actual_vs_forecast(run)
    if not months:
        return [f"No month of {run.scenario_name}'s forecast has started yet."]
    metrics = metrics_of(run)
    lines = [
        "A partial month (not ended, or a day without data) shows its actual so far and no variance.",
        "",
        "| Month | Days with data | "
        + " | ".join(f"{label}: actual / forecast / variance" for _, label in metrics)
        + " |",
        "|---|---|" + "---:|" * len(metrics),
    ]
    for month in months:
        cells = []
        for key, _ in metrics:
            v = month.metrics[key]
            if v.actual is None:
                cells.append(f"no data / {figure(v.forecast)} / n/a")
            elif v.variance is None:
                cells.append(f"{figure(v.actual)} / {figure(v.forecast)} / partial")
            else:
                pct = f" ({v.variance_pct:+} %)" if v.variance_pct is not None else ""
                cells.append(f"{figure(v.actual)} / {figure(v.forecast)} / {signed(v.variance)}{pct}")
        days = f"{month.days_with_data}/{month.days_in_month}" + (" partial" if month.partial else "")
        lines.append(f"| {month.period:%Y-%m} | {days} | " + " | ".join(cells) + " |")
    return lines


def _backtest() -> list[str]:
    scores = backtest_runs()
    if not scores:
        return ["No forecast run has a whole month that has ended yet."]
    lines = [
        "Each run's whole, ended months against the actuals, then each scenario's runs pooled: "
        "WAPE = sum |actual - forecast| / sum |actual|; "
        "bias = sum (forecast - actual) / sum |actual| (positive: forecast too high).",
        "",
    ]
    for model_runs in (
        [s for s in scores if s.run.is_commerce],
        [s for s in scores if not s.run.is_commerce],
    ):
        if not model_runs:
            continue
        metrics = model_runs[0].metrics
        lines += [
            "| Run | Scenario | Assumptions | Months | "
            + " | ".join(f"{label}: WAPE / bias" for _, label in metrics)
            + " |",
            "|---:|---|---|---:|" + "---:|" * len(metrics),
        ]
        for score in model_runs:
            cells = [
                f"{'n/a' if s.wape is None else f'{s.wape} %'} / {percent(s.bias)}"
                for s in (score.scores[key] for key, _ in metrics)
            ]
            lines.append(
                f"| {score.run.pk} | {score.run.scenario_name} | {score.run.assumption_set} "
                f"| {score.scored_months} | " + " | ".join(cells) + " |"
            )
        for pooled in by_scenario(model_runs):
            cells = [
                f"{'n/a' if s.wape is None else f'{s.wape} %'} / {percent(s.bias)}"
                for s in (pooled.scores[key] for key, _ in metrics)
            ]
            lines.append(
                f"| all {pooled.runs} | **{pooled.scenario}** | pooled | {pooled.scored_months} | "
                + " | ".join(cells)
                + " |"
            )
        lines.append("")
    return lines


def build_markdown(runs: list[ForecastRun]) -> str:
    primary = next((r for r in runs if r.scenario_name.lower() == "base"), runs[0])
    lines = [f"# Forecast, {timezone.localdate():%Y-%m-%d}", ""]
    sets = sorted({str(run.assumption_set) for run in runs})
    lines += [f"Assumptions: {', '.join(sets)}. Money in {settings.REPORTING_CURRENCY}, to the cent.", ""]
    notes = {run.assumption_set.note for run in runs if run.assumption_set.note}
    lines += [f"> {note}" for note in sorted(notes)] + ([""] if notes else [])
    lines += [f"## {_headline_label(runs)} and break-even", "", *_summary_table(runs), ""]
    lines += ["Break-even is the first month whose operating profit is zero or more.", ""]
    lines += ["## Unit economics", "", *_unit_economics(runs), ""]
    lines += ["## Margin levers", "", *_margin_levers(primary), ""]
    lines += [f"## Top levers ({primary.scenario_name})", "", *_top_levers(primary), ""]
    lines += [f"## Actual vs forecast ({primary.scenario_name})", "", *_actuals(primary), ""]
    lines += ["## Forecast accuracy (backtest)", "", *_backtest(), ""]
    lines += ["## What changed since the previous run", ""]
    for run in runs:
        lines.append(f"- **{run.scenario_name}**: " + "; ".join(changes_since(run, previous_run(run))) + ".")
    return "\n".join(lines).rstrip() + "\n"


def figures(runs: list[ForecastRun]) -> dict:
    return {
        "runs": [run.pk for run in runs],
        "scenarios": {
            run.scenario_name: {
                "run": run.pk,
                "assumption_set": str(run.assumption_set),
                "revenue_model": run.revenue_model,
                "month_12_mrr": None if run.month_12_mrr is None else str(run.month_12_mrr),
                "month_12_net_sales": None if run.month_12_net_sales is None else str(run.month_12_net_sales),
                "break_even_month": run.break_even_month,
                "cash_trough": str(run.cash_trough),
                "ending_cash": str(run.ending_cash),
                "top_levers": [r["driver"] for r in _lever_rows(run, "rank_mrr") if Decimal(r["mrr_swing"])][
                    :TOP
                ],
            }
            for run in runs
        },
    }


def write_report(runs: list[ForecastRun], *, produced_by: str) -> Report:
    if not runs:
        raise ValueError("no forecast runs to report on")
    first = runs[0]
    start = min(run.assumption_set.start_month for run in runs)
    end = max(add_months(run.assumption_set.start_month, run.inputs["horizon_months"]) for run in runs)
    return Report.objects.create(
        kind=Report.Kind.FINANCE,
        title=f"Forecast {timezone.localdate():%Y-%m-%d}",
        slug=f"forecast-{timezone.localdate():%Y-%m-%d}-run-{first.pk}",
        period_start=start,
        period_end=end - dt.timedelta(days=1),
        body=build_markdown(runs),
        figures=figures(runs),
        produced_by=produced_by,
    )
