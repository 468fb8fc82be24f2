"""Unit economics: CM1 and CM3 per order; LTV:CAC and payback from the plan and measured, side by side.

- CM1 per order = CM1 / orders; CM3 per order = CM3 / orders (etl's margins).
- The plan's LTV, LTV:CAC and CAC payback: the finance model's latest forecast
  (first active scenario; ``finance.selectors.latest_forecasts``).
- Measured: margin share = CM1 / net sales of the period; for ``k`` months
  (the most, up to 12, that at least one first-order-month cohort has fully
  lived before the period's month), measured LTV = margin share x the
  subtotal of those cohorts' orders in months 0..k / their customers;
  measured LTV:CAC = measured LTV / the period's blended CAC; measured payback
  = the first month whose cumulative margin per customer reaches that CAC.

Targets (``AUDIT_TARGETS`` first): CM3 per order at least 0 (an order should
pay for its ads; the gap is measured against AOV); measured LTV:CAC at least
the plan's. Score: 100 x (1 - mean gap) of the two.
"""

from datetime import date
from decimal import Decimal

from bizops.audit import fmt, links
from bizops.audit.base import (
    NOT_ENOUGH_DATA,
    AnalyzerResult,
    Evidence,
    Finding,
    Kpi,
    Period,
    kpi_score,
    owner,
    ratio,
    target_for,
)
from bizops.audit.data import AuditData

NAME, TITLE = "unit_economics", "Unit economics"
MAX_MONTHS = 12


def _months_between(first: date, later: date) -> int:
    return (later.year - first.year) * 12 + later.month - first.month


def measured_ltv(
    cohorts: dict, end: date, margin: Decimal | None
) -> tuple[int | None, Decimal | None, list[Decimal]]:
    """(k, measured LTV, cumulative margin per customer by "
    "month 0..k) over cohorts that lived k full months."""
    if margin is None or not cohorts:
        return None, None, []
    end_month = date(end.year, end.month, 1)
    lived = {month: _months_between(month, end_month) - 1 for month in cohorts}  # full months after month 0
    k = min(MAX_MONTHS, max(lived.values()))
    if k < 0:
        return None, None, []
    mature = [month for month in cohorts if lived[month] >= k]
    customers = sum(cohorts[m]["customers"] for m in mature)
    if not customers:
        return None, None, []
    cumulative, running = [], Decimal(0)
    for offset in range(k + 1):
        running += sum((cohorts[m]["revenue_at"].get(offset, Decimal(0)) for m in mature), Decimal(0))
        cumulative.append(margin * running / customers)
    return k, cumulative[-1], cumulative


def analyze(period: Period, data: AuditData | None = None) -> AnalyzerResult:
    data = data or AuditData(period)
    now = data.summary(period)
    result = AnalyzerResult(
        NAME, TITLE, owner(NAME), None, "100 x (1 - mean gap) of CM3 per order and LTV:CAC"
    )
    plan = data.forecast
    plan_ratio = Decimal(plan.summary["ltv_to_cac"]) if plan and plan.summary.get("ltv_to_cac") else None
    if not now["days"] or not now["orders"]:
        result.note = f"{NOT_ENOUGH_DATA}: no orders in the period's computed metrics"
        result.kpis = [Kpi("cm3_per_order", "CM3 per order", "money", "higher", None)]
        return result
    orders = now["orders"]
    cm1, cm3 = ratio(now["cm1"], orders), ratio(now["cm3"], orders)
    before = data.summary(period.previous)
    cm3_before = ratio(before["cm3"], before["orders"])
    margin = ratio(now["cm1"], now["net_sales"])
    cac = now.get("blended_cac")
    k, ltv, curve = measured_ltv(data.customers.cohorts, period.end, margin)
    measured_ratio = ratio(ltv, cac) if ltv is not None else None
    payback = next((month for month, value in enumerate(curve) if cac is not None and value >= cac), None)
    target_cm3, source_cm3 = target_for("cm3_per_order", Decimal(0), "an order pays for its ads (CM3 >= 0)")
    target_ratio, source_ratio = target_for(
        "ltv_to_cac", plan_ratio, f"the plan's LTV:CAC ({plan.scenario_name})" if plan else ""
    )
    result.kpis = [
        Kpi(
            "cm3_per_order",
            "CM3 per order",
            "money",
            "higher",
            cm3,
            target_cm3,
            source_cm3,
            cm3_before,
            now.get("aov"),
        ),
        Kpi(
            "ltv_to_cac", "LTV:CAC (measured)", "ratio", "higher", measured_ratio, target_ratio, source_ratio
        ),
    ]
    result.score, result.formula, result.inputs = kpi_score(result.kpis)
    result.inputs.update(
        {"CM1 per order": fmt.money(cm1), "CM3 per order": fmt.money(cm3), "margin share": fmt.share(margin)}
    )
    side_by_side = [
        {
            "figure": "LTV",
            "plan": fmt.money(plan.summary.get("ltv")) if plan and plan.summary.get("ltv") else fmt.NA,
            "measured": fmt.money(ltv) + (f" ({k + 1} months)" if k is not None else ""),
        },
        {
            "figure": "CAC",
            "plan": fmt.money(plan.inputs.get("cac")) if plan and plan.inputs.get("cac") else fmt.NA,
            "measured": fmt.money(cac),
        },
        {"figure": "LTV:CAC", "plan": fmt.ratio(plan_ratio), "measured": fmt.ratio(measured_ratio)},
        {
            "figure": "CAC payback (months)",
            "plan": fmt.number(plan.summary.get("cac_payback_months"))
            if plan and plan.summary.get("cac_payback_months")
            else fmt.NA,
            "measured": f"within {payback + 1}"
            if payback is not None
            else (f"beyond {k + 1}" if k is not None else fmt.NA),
        },
    ]
    plan_link = (
        links.admin("finance_forecastrun_change", plan.pk)
        if plan
        else links.admin("finance_forecastrun_changelist")
    )
    evidence = [Evidence("Plan and measured, side by side", plan_link, side_by_side)]
    margins = Evidence(
        "Margins per order",
        links.metrics(period),
        [
            {
                "CM1 per order": fmt.money(cm1),
                "CM3 per order": fmt.money(cm3),
                "AOV": fmt.money(now.get("aov")),
                "orders": fmt.count(orders),
            }
        ],
    )
    cm3_kpi, ratio_kpi = result.kpis
    if cm3_kpi.gap:
        result.findings.append(
            Finding(
                "cm3-negative",
                "high",
                f"Each order loses {fmt.money(-cm3)} after its ads (CM3 per "
                f"order {fmt.money(cm3)}; CM1 per order {fmt.money(cm1)})",
                [margins],
                cm3_kpi.key,
            )
        )
    if ratio_kpi.gap:
        result.findings.append(
            Finding(
                "ltv-cac-below-plan",
                "high" if ratio_kpi.gap >= Decimal("0.2") else "medium",
                f"Measured LTV:CAC is {fmt.ratio(measured_ratio)} "
                f"against {fmt.ratio(target_ratio)} ({source_ratio})",
                evidence,
                ratio_kpi.key,
            )
        )
    if not result.findings:
        result.findings.append(
            Finding(
                "side-by-side",
                "low",
                "Unit economics: the plan and the measured figures",
                [*evidence, margins],
                cm3_kpi.key,
            )
        )
    return result
