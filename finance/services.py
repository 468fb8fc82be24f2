"""Running scenarios: drivers from an assumption set and its overrides, runs saved with their months."""

import hashlib
import json
from decimal import Decimal

from django.conf import settings
from django.db import transaction

from bizops.events.outbox import admin_path, emit
from finance import commerce, engine, levers
from finance.commerce import COMMERCE_COLUMNS, CommerceDrivers
from finance.drivers import (
    BY_NAME,
    COMMERCE,
    COMMERCE_NAMES,
    NAMES,
    SHARED_NAMES,
    DriverError,
    clean_commerce_values,
    clean_values,
    month_index,
    parse_month,
    plain,
)
from finance.engine import MONTH_COLUMNS, Drivers, OneOff
from finance.models import AssumptionSet, ForecastMonth, ForecastRun, Scenario
from finance.selectors import latest_forecasts
from health.jobs import current_run


class ForecastInputError(ValueError):
    """A scenario whose drivers cannot be projected; the message names the scenario and drivers."""


def churn_floor_pct() -> Decimal:
    return settings.FINANCE_LTV_CHURN_FLOOR_PCT


def lever_step_pct() -> Decimal:
    return settings.FINANCE_LEVER_STEP_PCT


def text(value) -> str | None:
    """Decimals (and dates) as JSON-safe strings; None stays None."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, Decimal):
        return str(value)
    return value.isoformat()


def scenario_drivers(
    assumption_set: AssumptionSet, overrides: dict[str, Decimal], *, label: str = ""
) -> Drivers:
    values = assumption_set.driver_values() | overrides
    try:
        clean_values({name: values[name] for name in NAMES})
    except DriverError as exc:
        raise ForecastInputError(f"{label or assumption_set}: {exc}") from None
    horizon = int(values.pop("horizon_months"))
    start = assumption_set.start_month
    one_offs = []
    for entry in assumption_set.one_off_costs or []:
        month = parse_month(entry["month"])
        # A scenario with a shorter horizon leaves later one-off costs out, as it does later months.
        if month_index(start, month) <= horizon:
            one_offs.append(OneOff(month, Decimal(entry["amount"]), entry.get("label", "")))
    return Drivers(start_month=start, horizon_months=horizon, one_off_costs=tuple(one_offs), **values)


def commerce_drivers(
    assumption_set: AssumptionSet, overrides: dict[str, Decimal], *, label: str = ""
) -> CommerceDrivers:
    """The commerce engine's drivers: the set's shared and commerce drivers, the overrides on top."""
    shared = assumption_set.driver_values() | {k: v for k, v in overrides.items() if k in BY_NAME}
    own = assumption_set.commerce_values() | {k: v for k, v in overrides.items() if k in COMMERCE_NAMES}
    try:
        clean_values({name: shared[name] for name in NAMES})
        clean_commerce_values(own, required=True)
    except DriverError as exc:
        raise ForecastInputError(f"{label or assumption_set}: {exc}") from None
    start = assumption_set.start_month
    horizon = int(shared["horizon_months"])
    one_offs = tuple(
        OneOff(parse_month(e["month"]), Decimal(e["amount"]), e.get("label", ""))
        for e in assumption_set.one_off_costs or []
        if month_index(start, parse_month(e["month"])) <= horizon
    )
    values = {name: shared[name] for name in SHARED_NAMES if name != "horizon_months"}
    return CommerceDrivers(
        start_month=start,
        horizon_months=horizon,
        one_off_costs=one_offs,
        repeat_curve=tuple(Decimal(v) for v in assumption_set.repeat_curve or []),
        prior_cohorts=tuple(
            (parse_month(c["month"]), Decimal(c["customers"])) for c in assumption_set.prior_cohorts or []
        ),
        **values,
        **own,
    )


def commerce_snapshot(drivers: CommerceDrivers, *, step: Decimal) -> dict:
    snapshot = {
        "engine_version": commerce.ENGINE_VERSION,
        "revenue_model": COMMERCE,
        "start_month": f"{drivers.start_month:%Y-%m}",
        "lever_step_pct": str(step),
        "horizon_months": drivers.horizon_months,
        "repeat_curve": [plain(v) for v in drivers.repeat_curve],
        "prior_cohorts": [{"month": f"{m:%Y-%m}", "customers": plain(c)} for m, c in drivers.prior_cohorts],
        "one_off_costs": [
            {"month": f"{o.month:%Y-%m}", "amount": str(o.amount), "label": o.label}
            for o in drivers.one_off_costs
        ],
    }
    for name in (*SHARED_NAMES, *COMMERCE_NAMES):
        if name != "horizon_months":
            snapshot[name] = text(getattr(drivers, name))
    return snapshot


def commerce_summary_json(summary: commerce.CommerceSummary) -> dict:
    economics = summary.unit_economics
    return {
        "month_12_net_sales": text(summary.month_12_net_sales),
        "ending_cash": text(summary.ending_cash),
        "break_even_month": summary.break_even_month,
        "break_even_period": text(summary.break_even_period),
        "cash_trough": text(summary.cash_trough),
        "cash_trough_month": summary.cash_trough_month,
        "cash_out_month": summary.cash_out_month,
        "total_net_sales": text(summary.total_net_sales),
        "total_operating_profit": text(summary.total_operating_profit),
        "effective_cac": text(economics.effective_cac),
        "first_order_cm2": text(economics.first_order_cm2),
        "repeat_order_cm2": text(economics.repeat_order_cm2),
        "repeat_orders_12": text(economics.repeat_orders_12),
        "value_12": text(economics.value_12),
        "ltv_to_cac": text(economics.ltv_to_cac),
        "cac_payback_months": economics.cac_payback_months,
    }


def inputs_snapshot(drivers: Drivers, *, floor: Decimal, step: Decimal) -> dict:
    """Everything the engine read, as JSON: enough to repeat the run."""
    snapshot = {
        "engine_version": engine.ENGINE_VERSION,
        "start_month": f"{drivers.start_month:%Y-%m}",
        "churn_floor_pct": str(floor),
        "lever_step_pct": str(step),
        "one_off_costs": [
            {"month": f"{o.month:%Y-%m}", "amount": str(o.amount), "label": o.label}
            for o in drivers.one_off_costs
        ],
    }
    for name in NAMES:
        snapshot[name] = text(getattr(drivers, name))
    return snapshot


def drivers_from_inputs(inputs: dict) -> Drivers:
    values = {name: Decimal(inputs[name]) for name in NAMES}
    values["horizon_months"] = int(values["horizon_months"])
    one_offs = tuple(
        OneOff(parse_month(o["month"]), Decimal(o["amount"]), o.get("label", ""))
        for o in inputs["one_off_costs"]
    )
    return Drivers(start_month=parse_month(inputs["start_month"]), one_off_costs=one_offs, **values)


def inputs_hash(inputs: dict) -> str:
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()


def summary_json(summary: engine.Summary) -> dict:
    economics = summary.unit_economics
    return {
        "month_12_mrr": text(summary.month_12_mrr),
        "ending_mrr": text(summary.ending_mrr),
        "ending_customers": text(summary.ending_customers),
        "ending_cash": text(summary.ending_cash),
        "break_even_month": summary.break_even_month,
        "break_even_period": text(summary.break_even_period),
        "cash_trough": text(summary.cash_trough),
        "cash_trough_month": summary.cash_trough_month,
        "cash_out_month": summary.cash_out_month,
        "total_revenue": text(summary.total_revenue),
        "total_operating_profit": text(summary.total_operating_profit),
        "churn_pct_used": plain(economics.churn_pct_used),
        "churn_floored": economics.churn_floored,
        "gross_margin_pct": plain(economics.gross_margin_pct),
        "ltv": text(economics.ltv),
        "cac_payback_months": text(economics.cac_payback_months),
        "ltv_to_cac": text(economics.ltv_to_cac),
    }


def levers_json(effects: list[levers.LeverEffect]) -> list[dict]:
    ranked_mrr = {e.driver: n for n, e in enumerate(levers.rank_by_mrr(effects), start=1)}
    ranked_even = {e.driver: n for n, e in enumerate(levers.rank_by_break_even(effects), start=1)}
    rows = []
    for e in effects:
        rows.append(
            {
                "driver": e.driver,
                "label": e.label,
                "base_value": text(e.base_value),
                "low_value": text(e.low_value),
                "high_value": text(e.high_value),
                "clamped": e.clamped,
                "mrr_12_low": text(e.mrr_12_low),
                "mrr_12_high": text(e.mrr_12_high),
                "mrr_swing": text(e.mrr_swing),
                "operating_profit_12_base": text(e.operating_profit_12_base),
                "operating_profit_12_low": text(e.operating_profit_12_low),
                "operating_profit_12_high": text(e.operating_profit_12_high),
                "break_even_low": e.break_even_low,
                "break_even_high": e.break_even_high,
                "break_even_shift_low": e.break_even_shift("low"),
                "break_even_shift_high": e.break_even_shift("high"),
                "break_even_swing": e.break_even_swing,
                "rank_mrr": ranked_mrr[e.driver],
                "rank_break_even": ranked_even[e.driver],
            }
        )
    return sorted(rows, key=lambda row: row["rank_mrr"])


def drivers_of(scenario: Scenario) -> Drivers | CommerceDrivers:
    build = commerce_drivers if scenario.assumption_set.is_commerce else scenario_drivers
    return build(scenario.assumption_set, scenario.override_values(), label=f"scenario {scenario.name}")


def commerce_row(m: commerce.CommerceMonth) -> dict:
    """A commerce month as ForecastMonth columns: revenue is net sales, gross profit is CM2."""
    row = {column: getattr(m, column) for column in COMMERCE_COLUMNS if column not in ("net_sales", "cm2")}
    return row | {"revenue": m.net_sales, "gross_profit": m.cm2}


def run_commerce_forecast(scenario: Scenario, drivers: CommerceDrivers, *, produced_by: str) -> ForecastRun:
    step = lever_step_pct()
    result = commerce.forecast(drivers)
    effects = levers.commerce_lever_effects(drivers, step_pct=step)
    inputs = commerce_snapshot(drivers, step=step)
    with transaction.atomic():
        run = ForecastRun.objects.create(
            scenario=scenario,
            scenario_name=scenario.name,
            assumption_set=scenario.assumption_set,
            overrides=scenario.overrides or {},
            inputs=inputs,
            inputs_hash=inputs_hash(inputs),
            engine_version=commerce.ENGINE_VERSION,
            revenue_model=COMMERCE,
            month_12_net_sales=result.summary.month_12_net_sales,
            break_even_month=result.summary.break_even_month,
            ending_cash=result.summary.ending_cash,
            cash_trough=result.summary.cash_trough,
            summary=commerce_summary_json(result.summary),
            levers=levers_json(effects),
            produced_by=produced_by[:100],
        )
        ForecastMonth.objects.bulk_create(
            ForecastMonth(run=run, month=m.month, period=m.period, **commerce_row(m)) for m in result.months
        )
        _announce(run)
    return run


def run_forecast(scenario: Scenario, *, produced_by: str, drivers: Drivers | None = None) -> ForecastRun:
    """Project one scenario and save the run with its months (all or nothing)."""
    assumption_set = scenario.assumption_set
    drivers = drivers or drivers_of(scenario)
    if isinstance(drivers, CommerceDrivers):
        return run_commerce_forecast(scenario, drivers, produced_by=produced_by)
    floor, step = churn_floor_pct(), lever_step_pct()
    result = engine.forecast(drivers, floor)
    effects = levers.lever_effects(drivers, step_pct=step, churn_floor_pct=floor)
    inputs = inputs_snapshot(drivers, floor=floor, step=step)
    with transaction.atomic():
        run = ForecastRun.objects.create(
            scenario=scenario,
            scenario_name=scenario.name,
            assumption_set=assumption_set,
            overrides=scenario.overrides or {},
            inputs=inputs,
            inputs_hash=inputs_hash(inputs),
            engine_version=engine.ENGINE_VERSION,
            month_12_mrr=result.summary.month_12_mrr,
            break_even_month=result.summary.break_even_month,
            ending_cash=result.summary.ending_cash,
            cash_trough=result.summary.cash_trough,
            summary=summary_json(result.summary),
            levers=levers_json(effects),
            produced_by=produced_by[:100],
        )
        ForecastMonth.objects.bulk_create(
            ForecastMonth(
                run=run,
                month=m.month,
                period=m.period,
                **{column: getattr(m, column) for column in MONTH_COLUMNS},
            )
            for m in result.months
        )
        _announce(run)
    return run


def _announce(run: ForecastRun) -> None:
    """``forecast.ready`` in the run's own transaction (the outbox sends it after the commit)."""
    emit(
        "forecast.ready",
        {
            "scenario": run.scenario_name,
            "run_id": run.pk,
            "produced_by": run.produced_by,
            "admin_path": admin_path(run),
        },
    )


def run_forecasts(scenarios, *, produced_by: str, on_progress=None) -> list[ForecastRun]:
    """Run each scenario in turn; progress goes to the job run (if any) and ``on_progress``.

    Every scenario's drivers are checked before any is run, so a bad one stops
    the batch before it writes anything.
    """
    job = current_run()
    prepared = [(scenario, drivers_of(scenario)) for scenario in scenarios]
    runs = []
    for scenario, drivers in prepared:
        run = run_forecast(scenario, produced_by=produced_by, drivers=drivers)
        runs.append(run)
        if job:
            job.add(read=1, written=1 + run.inputs["horizon_months"])
            job.save_progress()
        if on_progress:
            on_progress(run)
    return runs


def latest_runs(scenarios=None) -> list[ForecastRun]:
    """The newest run of each active scenario (or of the ones given), in scenario order."""
    return latest_forecasts(scenarios)
