"""Acquisition: spend, CAC and new customers, the channel mix and its trend, and marginal CAC.

Marginal CAC (the cost of the last 20 % of spend), from the period's daily rows
(channel "all"): sort the days by spend, lowest first, and walk up the
cumulative spend; the days from the one where it passes 80 % of the period's
spend onwards are the *heavy* days (they hold the last 20 % of spend), the
others the *light* days. Then

    marginal CAC = (mean spend of heavy days - mean spend of light days)
                 / (mean new customers of heavy days - mean new customers of light days)

what one more customer cost on the days the budget was pushed. It needs at
least 2 days on each side; when the heavy days bring no more customers than
the light ones, the extra spend bought none ("no customers for the extra
spend"), a finding of its own.

Channel CAC is the channel's spend over the conversions its platform reports:
the platforms can claim the same order, so the channel figures never add up
to the blended CAC (spend over new customers, store-wide).

Score: 100 x (1 - gap) of blended CAC against its target: ``AUDIT_TARGETS``'s
``blended_cac``, else the plan's CAC (the finance model's latest forecast),
else the previous period's CAC.
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

NAME, TITLE = "acquisition", "Acquisition"
CHANNELS = [("meta", "Meta"), ("tiktok", "TikTok")]
HEAVY_SHARE = Decimal("0.8")
MIX_SHIFT = Decimal("0.10")  # a channel's share of spend moving 10 points is worth a finding


def marginal_cac(days: list[dict]) -> tuple[Decimal | None, dict]:
    """(marginal CAC or None, the inputs): see the module's docstring for the definition."""
    rows = sorted(
        ((Decimal(r["spend"] or 0), int(r["new_customers"] or 0), r["date"]) for r in days),
        key=lambda row: (row[0], row[2]),
    )
    total = sum((spend for spend, _, _ in rows), Decimal(0))
    if total <= 0 or len(rows) < 4:
        return None, {"days": len(rows), "why": "fewer than 4 days with spend"}
    running, split = Decimal(0), len(rows)
    for index, (spend, _, _) in enumerate(rows):
        running += spend
        if running > HEAVY_SHARE * total:
            split = index
            break
    light, heavy = rows[:split], rows[split:]
    if len(light) < 2 or len(heavy) < 2:
        return None, {"days": len(rows), "why": "fewer than 2 days on a side of the 80 % line"}
    mean = lambda part, i: sum((Decimal(r[i]) for r in part), Decimal(0)) / len(part)  # noqa: E731
    extra_spend = mean(heavy, 0) - mean(light, 0)
    extra_customers = mean(heavy, 1) - mean(light, 1)
    inputs = {
        "heavy days": len(heavy),
        "light days": len(light),
        "extra spend per heavy day": extra_spend,
        "extra new customers per heavy day": extra_customers,
    }
    if extra_customers <= 0:
        return None, {**inputs, "why": "no customers for the extra spend"}
    return extra_spend / extra_customers, inputs


def analyze(period: Period, data: AuditData | None = None) -> AnalyzerResult:
    data = data or AuditData(period)
    now, before = data.summary(period), data.summary(period.previous)
    result = AnalyzerResult(NAME, TITLE, owner(NAME), None, "")
    cac, cac_before = now.get("blended_cac"), before.get("blended_cac")
    plan = data.forecast
    plan_cac = Decimal(plan.inputs["cac"]) if plan and plan.inputs.get("cac") else None
    fallback, source = (
        (plan_cac, f"the plan's CAC ({plan.scenario_name})") if plan_cac else (cac_before, "previous period")
    )
    target, source = target_for("blended_cac", fallback, source)
    kpi = Kpi("blended_cac", "Blended CAC", "money", "lower", cac, target, source, cac_before)
    result.kpis = [kpi]
    result.score, result.formula, result.inputs = kpi_score(result.kpis)
    if now["spend"] == 0 or not now.get("new_customers"):
        result.note = f"{NOT_ENOUGH_DATA}: no ad spend or no new customers in the period"
        result.score = None
        return result
    result.inputs.update(
        {
            "spend": fmt.money(now["spend"]),
            "new customers": fmt.count(now["new_customers"]),
            "blended CAC": fmt.money(cac),
            "target": f"{kpi.target_text} ({source or 'none'})",
        }
    )
    # Channel mix and its trend.
    channel_rows = []
    for key, label in CHANNELS:
        mine, theirs = data.summary(period, key), data.summary(period.previous, key)
        share_now, share_before = ratio(mine["spend"], now["spend"]), ratio(theirs["spend"], before["spend"])
        channel_rows.append(
            {
                "channel": label,
                "spend": fmt.money(mine["spend"]),
                "share of spend": fmt.share(share_now),
                "share before": fmt.share(share_before),
                "platform conversions": fmt.number(mine["platform_conversions"]),
                "channel CAC": fmt.money(ratio(mine["spend"], mine["platform_conversions"])),
            }
        )
        if share_now is not None and share_before is not None and abs(share_now - share_before) >= MIX_SHIFT:
            result.findings.append(
                Finding(
                    f"mix-{key}",
                    "low",
                    f"{label}'s share of spend moved {fmt.points(share_now - share_before)} "
                    f"({fmt.share(share_before)} to {fmt.share(share_now)})",
                    [Evidence(f"{label} by day", links.metrics(period, key))],
                    kpi.key,
                )
            )
        if mine["spend"] > 0 and not mine["platform_conversions"]:
            result.findings.append(
                Finding(
                    f"no-conversions-{key}",
                    "medium",
                    f"{label} spent {fmt.money(mine['spend'])} with no conversion reported by the platform",
                    [Evidence(f"{label} by day", links.metrics(period, key))],
                    kpi.key,
                )
            )
    mix = Evidence(
        "Spend by channel (channel CAC = spend / platform conversions)", links.metrics(period), channel_rows
    )
    if kpi.gap:
        result.findings.insert(
            0,
            Finding(
                "cac-above-target",
                "high" if kpi.gap >= Decimal("0.2") else "medium",
                f"Blended CAC is {fmt.money(cac)}, {fmt.share(kpi.gap)} "
                f"above its target ({kpi.target_text}, {source})",
                [mix],
                kpi.key,
            ),
        )
    marginal, why = marginal_cac(data.rows_in(period))
    result.inputs["marginal CAC (last 20 % of spend)"] = (
        fmt.money(marginal) if marginal else why.get("why", "n/a")
    )
    if marginal is not None and cac and marginal > cac * Decimal("1.5"):
        result.findings.append(
            Finding(
                "marginal-cac",
                "medium",
                f"The last 20 % of spend bought customers at {fmt.money(marginal)} each, "
                f"{fmt.ratio(marginal / cac)} x the blended CAC: the budget is past its efficient size",
                [Evidence("Days by spend", links.metrics(period), _day_rows(why, data.rows_in(period)))],
                kpi.key,
            )
        )
    elif why.get("why") == "no customers for the extra spend":
        result.findings.append(
            Finding(
                "marginal-cac",
                "high",
                "The heaviest-spend days (the last 20 % of spend) "
                "brought no more new customers than the others",
                [Evidence("Days by spend", links.metrics(period), _day_rows(why, data.rows_in(period)))],
                kpi.key,
            )
        )
    if not any(f.key == "cac-above-target" for f in result.findings):
        result.findings.insert(
            0, Finding("spend-by-channel", "low", "Spend and CAC by channel", [mix], kpi.key)
        )
    return result


def _day_rows(inputs: dict, days: list[dict]) -> list[dict]:
    top = sorted(days, key=lambda r: (-(r["spend"] or 0), r["date"]))[:5]
    return [
        {
            "day": r["date"].isoformat(),
            "spend": fmt.money(r["spend"]),
            "new customers": fmt.count(r["new_customers"] or 0),
        }
        for r in top
    ]
