"""Revenue: net sales, AOV, discounts, refund rate and MER, against the previous period and last year.

The figures are etl's (``summarise`` over the daily rows of channel "all"):
net sales = gross - discounts - returns; AOV = net sales / orders; discount
share = discounts / gross sales; refund rate = returns / gross sales; MER =
total sales / ad spend.

Targets (``AUDIT_TARGETS`` first): net sales, last year's same dates when they
had sales, else the previous period; AOV, refund rate and MER, the previous
period. Score: 100 x (1 - mean gap) of those four.
"""

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

NAME, TITLE = "revenue", "Revenue"
LINES = [
    ("net_sales", "Net sales", "money"),
    ("orders", "Orders", "int"),
    ("aov", "AOV", "money"),
    ("discount_share", "Discounts / gross sales", "share"),
    ("refund_rate", "Refund rate", "share"),
    ("mer", "MER (total sales / spend)", "ratio"),
]


def _figures(summary: dict) -> dict:
    return {**summary, "discount_share": ratio(summary.get("discounts"), summary.get("gross_sales"))}


def _change(now, then) -> Decimal | None:
    return None if now is None or not then else (Decimal(now) - Decimal(then)) / abs(Decimal(then))


def analyze(period: Period, data: AuditData | None = None) -> AnalyzerResult:
    data = data or AuditData(period)
    now = _figures(data.summary(period))
    before = _figures(data.summary(period.previous))
    last_year = _figures(data.summary(period.last_year))
    result = AnalyzerResult(NAME, TITLE, owner(NAME), None, "")
    if not now["days"] or not now["orders"]:
        result.formula = "100 x (1 - mean gap) of net sales, AOV, refund rate and MER"
        result.note = f"{NOT_ENOUGH_DATA}: no orders in the period's computed metrics"
        result.kpis = [Kpi("net_sales", "Net sales", "money", "higher", None)]
        return result
    has_last_year = bool(last_year["days"] and last_year["net_sales"])
    net_target, net_source = (
        (last_year["net_sales"], "last year, same dates")
        if has_last_year
        else (before["net_sales"] or None, "previous period")
    )
    kpis = []
    for key, label, kind, better, fallback, source in [
        ("net_sales", "Net sales", "money", "higher", net_target, net_source),
        ("aov", "AOV", "money", "higher", before.get("aov"), "previous period"),
        ("refund_rate", "Refund rate", "share", "lower", before.get("refund_rate"), "previous period"),
        ("mer", "MER", "ratio", "higher", before.get("mer"), "previous period"),
    ]:
        target, used = target_for(key, fallback, source)
        kpis.append(Kpi(key, label, kind, better, now.get(key), target, used, before.get(key)))
    result.kpis = kpis
    result.score, result.formula, result.inputs = kpi_score(kpis)
    rows = [
        {
            "figure": label,
            "this period": fmt.as_kind(now.get(key), kind),
            "previous period": fmt.as_kind(before.get(key), kind),
            "vs previous": fmt.change(_change(now.get(key), before.get(key))),
            "last year": fmt.as_kind(last_year.get(key), kind) if last_year["days"] else fmt.NA,
            "vs last year": fmt.change(_change(now.get(key), last_year.get(key)))
            if last_year["days"]
            else fmt.NA,
        }
        for key, label, kind in LINES
    ]
    table = Evidence("Sales against the previous period and last year", links.metrics(period), rows)
    for kpi in kpis:
        if kpi.gap:
            result.findings.append(
                Finding(
                    f"{kpi.key}-off-target",
                    "high"
                    if kpi.gap >= Decimal("0.2")
                    else ("medium" if kpi.gap >= Decimal("0.05") else "low"),
                    f"{kpi.label} is {kpi.shown()}, {kpi.target_text} wanted ({kpi.target_source})",
                    [table],
                    kpi.key,
                )
            )
    shift = None
    if now["discount_share"] is not None and before["discount_share"] is not None:
        shift = now["discount_share"] - before["discount_share"]
    if shift is not None and shift >= Decimal("0.02"):
        result.findings.append(
            Finding(
                "discounts-up",
                "medium",
                f"Discounts take {fmt.share(now['discount_share'])} of "
                f"gross sales, {fmt.points(shift)} on the previous period",
                [table],
                "net_sales",
            )
        )
    if not result.findings:
        result.findings.append(
            Finding("on-target", "low", "Sales at or above their targets", [table], "net_sales")
        )
    return result
