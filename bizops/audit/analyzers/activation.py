"""Activation: is an activation event defined, and what is its rate.

The activation event is a conversion metric tracked by flags (``Conversion``),
named in ``AUDIT_ACTIVATION_METRIC`` (a metric the code tracks with
``track()``, or an experiment's primary metric). Not set is a finding of its
own: nobody can say whether new visitors reach the moment that makes them
stay.

activation rate = users exposed to an experiment in the period who converted on
the metric in the period / users exposed in the period (flags'
``metric_rate``).

Score: 100 x (1 - gap) of the rate against its target: ``AUDIT_TARGETS``'s
``activation_rate``, else the previous period's rate.
"""

from django.conf import settings

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

NAME, TITLE = "activation", "Activation"


def analyze(period: Period, data: AuditData | None = None) -> AnalyzerResult:
    data = data or AuditData(period)
    result = AnalyzerResult(NAME, TITLE, owner(NAME), None, "100 x (1 - gap) of the activation rate")
    metric = settings.AUDIT_ACTIVATION_METRIC
    tracked = data.tracked_metrics()
    tracked_rows = [{"metric": name, "conversions": fmt.count(n)} for name, n in tracked.items()]
    conversions = Evidence(
        "Conversions tracked in the period", links.admin("flags_conversion_changelist"), tracked_rows
    )
    if not metric:
        result.note = f"{NOT_ENOUGH_DATA}: no activation event is defined"
        known = ", ".join(tracked) or "none tracked yet"
        result.findings.append(
            Finding(
                "not-defined",
                "high",
                "No activation event is defined: set "
                "AUDIT_ACTIVATION_METRIC to the conversion that marks an "
                f"activated user (metrics tracked in the period: {known})",
                [conversions],
                "activation_rate",
            )
        )
        result.kpis = [Kpi("activation_rate", "Activation rate", "share", "higher", None)]
        return result
    users, activated = data.metric_rate(metric, period)
    users_before, activated_before = data.metric_rate(metric, period.previous)
    rate, rate_before = ratio(activated, users), ratio(activated_before, users_before)
    target, source = target_for("activation_rate", rate_before, "previous period")
    kpi = Kpi(
        "activation_rate", f"Activation rate ({metric})", "share", "higher", rate, target, source, rate_before
    )
    result.kpis = [kpi]
    result.score, result.formula, result.inputs = kpi_score(result.kpis)
    result.inputs.update(
        {
            "activation event": metric,
            "users exposed": fmt.count(users),
            "activated": fmt.count(activated),
            "rate": fmt.share(rate),
            "target": f"{kpi.target_text} ({source or 'none'})",
        }
    )
    if rate is None:
        result.note = f"{NOT_ENOUGH_DATA}: no user was exposed to an experiment in the period"
        result.score = None
    if metric not in tracked:
        result.findings.append(
            Finding(
                "not-tracked",
                "high",
                f"The activation event {metric!r} had no conversion tracked in the period",
                [conversions],
                kpi.key,
            )
        )
    if kpi.gap:
        result.findings.append(
            Finding(
                "below-target",
                "high" if kpi.gap >= 0.2 else "medium",
                f"Activation rate is {fmt.share(rate)} ({fmt.count(activated)} of {fmt.count(users)} users), "
                f"below its target ({kpi.target_text}, {source})",
                [conversions],
                kpi.key,
            )
        )
    return result
