"""Retention: repeat rate, first-order-month cohort curves and time to second order, from orders.

Counted orders with a customer (``etl.selectors.customer_orders``), up to the
period's end:

- repeat rate = customers with 2 or more orders / customers (every customer
  whose first order came before the end); the previous period's rate is the
  same as of the previous period's end;
- cohort curve of a first-order month: the cumulative share of its customers
  whose second order came within 0, 1, 2... months of that month;
- time to second order: the median of (second order - first order), in days.

Score: 100 x (1 - gap) of the repeat rate against its target:
``AUDIT_TARGETS``'s ``repeat_rate``, else the previous period's rate.
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

NAME, TITLE = "retention", "Retention"
COHORTS_SHOWN = 6
MONTHS_SHOWN = 6


def cohort_curves(
    cohorts: dict, end: date, limit: int = COHORTS_SHOWN, months: int = MONTHS_SHOWN
) -> list[dict]:
    """The last ``limit`` cohorts, each with its cumulative repeat share at months 0.. ``months``-1
    (blank for the months the cohort has not reached by ``end``)."""
    rows = []
    for month in list(cohorts)[-limit:]:
        cohort = cohorts[month]
        reached = (end.year - month.year) * 12 + end.month - month.month
        running, row = 0, {"cohort": f"{month:%Y-%m}", "customers": fmt.count(cohort["customers"])}
        for offset in range(months):
            running += cohort["repeat_at"].get(offset, 0)
            row[f"month {offset}"] = (
                fmt.share(ratio(running, cohort["customers"])) if offset <= reached else ""
            )
        rows.append(row)
    return rows


def analyze(period: Period, data: AuditData | None = None) -> AnalyzerResult:
    data = data or AuditData(period)
    found = data.customers
    result = AnalyzerResult(NAME, TITLE, owner(NAME), None, "100 x (1 - gap) of the repeat rate")
    rate, rate_before = (
        ratio(found.repeaters, found.customers),
        ratio(found.repeaters_before, found.customers_before),
    )
    target, source = target_for("repeat_rate", rate_before, "previous period")
    kpi = Kpi("repeat_rate", "Repeat rate", "share", "higher", rate, target, source, rate_before)
    result.kpis = [kpi]
    if not found.customers:
        result.note = f"{NOT_ENOUGH_DATA}: no counted order with a customer before the period's end"
        return result
    result.score, result.formula, result.inputs = kpi_score(result.kpis)
    median = found.median_days_to_second
    result.inputs.update(
        {
            "customers": fmt.count(found.customers),
            "with a second order": fmt.count(found.repeaters),
            "repeat rate": fmt.share(rate),
            "median days to second order": fmt.number(median),
            "target": f"{kpi.target_text} ({source or 'none'})",
        }
    )
    curves = Evidence(
        "Cohort curves: share of each first-order month's customers with a second order within N months",
        links.admin("etl_order_changelist"),
        cohort_curves(found.cohorts, period.end),
    )
    if kpi.gap:
        result.findings.append(
            Finding(
                "repeat-below-target",
                "high" if kpi.gap >= Decimal("0.2") else "medium",
                f"Repeat rate is {fmt.share(rate)} "
                f"({fmt.count(found.repeaters)} of {fmt.count(found.customers)} "
                f"customers), below its target ({kpi.target_text}, {source})",
                [curves],
                kpi.key,
            )
        )
    else:
        result.findings.append(
            Finding(
                "cohorts", "low", f"Repeat rate {fmt.share(rate)}; cohort curves below", [curves], kpi.key
            )
        )
    if median is not None:
        result.findings.append(
            Finding(
                "time-to-second",
                "low",
                "Half of the repeat customers ordered again within "
                f"{fmt.number(median)} days of their first order",
                [],
                kpi.key,
            )
        )
    return result
