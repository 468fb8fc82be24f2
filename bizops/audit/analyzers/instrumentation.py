"""Instrumentation: are flags owned and alive, and do the KPIs tickets name exist?

Three checks, each run only when there is something to check:

1. flags owned: every flag has an owner (run when there are flags);
2. no stale flags: no flag is stale (``Flag.stale_reasons``: serving everyone the
   same value for long, or not evaluated lately; run when there are flags);
3. ticket KPIs computed: every KPI an open ticket names is one the platform
   computes (``bizops.audit.kpis``; run when a ticket names a KPI).

Score: 100 x checks passed / checks run; the KPI is the score, target 100.
"""

from decimal import Decimal

from bizops.audit import kpis, links
from bizops.audit.base import (
    NOT_ENOUGH_DATA,
    AnalyzerResult,
    Evidence,
    Finding,
    Kpi,
    Period,
    checks_score,
    owner,
    target_for,
)
from bizops.audit.data import AuditData

NAME, TITLE = "instrumentation", "Instrumentation"


def analyze(period: Period, data: AuditData | None = None) -> AnalyzerResult:
    data = data or AuditData(period)
    result = AnalyzerResult(NAME, TITLE, owner(NAME), None, "")
    flags = data.flags
    named = [t for t in data.tickets if t.kpi.strip() and t.status != "done"]
    unknown = [t for t in named if kpis.match(t.kpi) is None]
    checks = {}
    if flags:
        unowned = [f for f in flags if f.owner_id is None]
        stale = data.stale_flags
        checks["flags owned"] = not unowned
        checks["no stale flags"] = not stale
    if named:
        checks["ticket KPIs computed"] = not unknown
    result.score, result.formula, result.inputs = checks_score(checks)
    if result.score is None:
        result.note = f"{NOT_ENOUGH_DATA}: no flag, and no open ticket names a KPI"
        result.kpis = [Kpi("instrumentation", "Instrumentation score", "score", "higher", None)]
        return result
    target, source = target_for("instrumentation", Decimal(100), "every check passes")
    result.kpis = [
        Kpi(
            "instrumentation",
            "Instrumentation score",
            "score",
            "higher",
            Decimal(result.score),
            target,
            source,
        )
    ]
    flag_link = links.admin("flags_flag_changelist")
    if flags and unowned:
        result.findings.append(
            Finding(
                "unowned-flags",
                "medium",
                f"{len(unowned)} of {len(flags)} flag(s) have no owner",
                [
                    Evidence(
                        "Flags without an owner",
                        flag_link,
                        [{"flag": f.key, "type": f.get_kind_display()} for f in unowned[:10]],
                    )
                ],
                "instrumentation",
            )
        )
    if flags and stale:
        rows = [{"flag": f.key, "why stale": "; ".join(f.stale_reasons())} for f in stale[:10]]
        result.findings.append(
            Finding(
                "stale-flags",
                "low",
                f"{len(stale)} stale flag(s): remove them or decide",
                [Evidence("Stale flags", flag_link, rows)],
                "instrumentation",
            )
        )
    if unknown:
        rows = [{"ticket": t.key, "KPI named": t.kpi} for t in unknown[:10]]
        result.findings.append(
            Finding(
                "unknown-kpis",
                "medium",
                f"{len(unknown)} open ticket(s) name a KPI the platform does not compute: "
                + ", ".join(sorted({t.kpi for t in unknown})[:5]),
                [Evidence("Tickets and their KPI", links.admin("bizops_backlogticket_changelist"), rows)],
                "instrumentation",
            )
        )
    return result
