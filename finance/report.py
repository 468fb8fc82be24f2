"""The forecast memo: a ``Report`` (kind finance) in Markdown, with the figures behind it."""

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from bizops.core.models import Report
from finance.actuals import METRICS, actual_vs_forecast
from finance.drivers import BY_NAME, NAMES, add_months, plain
from finance.models import ForecastRun

MARGIN_LEVERS = ("price", "cogs_pct", "payment_fee_pct")
TOP = 5


def amount(value) -> str:
    if value is None:
        return "n/a"
    return f"{Decimal(value):,.0f} {settings.REPORTING_CURRENCY}"


def number(value) -> str:
    """A driver value without trailing zeros: 10.000 -> 10, 2.500 -> 2.5."""
    return "n/a" if value is None else plain(value)


def signed(value) -> str:
    value = Decimal(value)
    return f"{'+' if value >= 0 else '-'}{abs(value):,.0f}"


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
    if before.month_12_mrr != run.month_12_mrr:
        lines.append(
            f"month-12 MRR {amount(before.month_12_mrr)} → {amount(run.month_12_mrr)} "
            f"({signed(run.month_12_mrr - before.month_12_mrr)})"
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


def _summary_table(runs: list[ForecastRun]) -> list[str]:
    lines = [
        "| Scenario | Assumptions | Month-12 MRR | Break-even | Cash trough | Ending cash | LTV:CAC |",
        "|---|---|---:|---|---:|---:|---:|",
    ]
    for run in runs:
        s = run.summary
        trough = f"{amount(run.cash_trough)}, {month_label(run, s['cash_trough_month'])}"
        lines.append(
            f"| {run.scenario_name} | {run.assumption_set} | {amount(run.month_12_mrr)} "
            f"| {month_label(run, run.break_even_month)} | {trough} | {amount(run.ending_cash)} "
            f"| {s['ltv_to_cac'] or 'n/a'} |"
        )
    return lines


def _unit_economics(runs: list[ForecastRun]) -> list[str]:
    lines = []
    for run in runs:
        s = run.summary
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
    lines = [
        f"Month-12 operating profit of {run.scenario_name} ({amount(base)}) "
        f"with each margin driver moved -{step} % / +{step} %:",
        "",
        f"| Driver | Value | -{step} % | +{step} % |",
        "|---|---:|---:|---:|",
    ]
    for row in _lever_rows(run, "rank_mrr", MARGIN_LEVERS):
        lines.append(
            f"| {row['label']} | {number(row['base_value'])} | {amount(row['operating_profit_12_low'])} "
            f"| {amount(row['operating_profit_12_high'])} |"
        )
    return lines


def _top_levers(run: ForecastRun) -> list[str]:
    step = run.inputs["lever_step_pct"]
    base = Decimal(run.month_12_mrr)
    lines = [f"By effect on month-12 MRR ({amount(base)}), each lever moved -{step} % / +{step} %:", ""]
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
        return [f"No month of {run.scenario_name}'s forecast has ended yet."]
    lines = [
        "| Month | " + " | ".join(f"{label}: actual / forecast / variance" for _, label in METRICS) + " |",
        "|---|" + "---:|" * len(METRICS),
    ]
    for month in months:
        cells = []
        for key, _ in METRICS:
            v = month.metrics[key]
            if v.actual is None:
                cells.append(f"no data / {v.forecast:,.0f} / n/a")
            else:
                pct = f" ({v.variance_pct:+} %)" if v.variance_pct is not None else ""
                cells.append(f"{v.actual:,.0f} / {v.forecast:,.0f} / {signed(v.variance)}{pct}")
        lines.append(f"| {month.period:%Y-%m} | " + " | ".join(cells) + " |")
    return lines


def build_markdown(runs: list[ForecastRun]) -> str:
    primary = next((r for r in runs if r.scenario_name.lower() == "base"), runs[0])
    lines = [f"# Forecast, {timezone.localdate():%Y-%m-%d}", ""]
    sets = sorted({str(run.assumption_set) for run in runs})
    lines += [f"Assumptions: {', '.join(sets)}. Figures in {settings.REPORTING_CURRENCY}.", ""]
    notes = {run.assumption_set.note for run in runs if run.assumption_set.note}
    lines += [f"> {note}" for note in sorted(notes)] + ([""] if notes else [])
    lines += ["## Month-12 MRR and break-even", "", *_summary_table(runs), ""]
    lines += ["Break-even is the first month whose operating profit is zero or more.", ""]
    lines += ["## Unit economics", "", *_unit_economics(runs), ""]
    lines += ["## Margin levers", "", *_margin_levers(primary), ""]
    lines += [f"## Top levers ({primary.scenario_name})", "", *_top_levers(primary), ""]
    lines += [f"## Actual vs forecast ({primary.scenario_name})", "", *_actuals(primary), ""]
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
                "month_12_mrr": str(run.month_12_mrr),
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
