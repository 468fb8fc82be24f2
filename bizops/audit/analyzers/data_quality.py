"""Data quality: can the other analyzers trust what they read?

Six checks over the period, each passed or failed:

1. fresh: every source's pull and the metrics last succeeded within
   ``AUDIT_FRESHNESS_HOURS`` and their latest run did not fail;
2. no gaps: every day of the period has computed metrics;
3. no failed runs: no job run started in the period failed;
4. no test orders: no test order was created in the period;
5. FX complete: every (currency, day) the period needs has an FX rate;
6. campaigns named: no spend on a campaign without a name.

Score: 100 x checks passed / 6; the KPI is the score itself, target 100.
Not enough data when the period has no computed day, no job run and no
source has ever been pulled.
"""

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from bizops.audit import fmt, links
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
from etl.metrics.days import each_day

NAME, TITLE = "data_quality", "Data quality"


def _when(moment) -> str:
    return "never" if moment is None else f"{timezone.localtime(moment):%Y-%m-%d %H:%M %Z}"


def analyze(period: Period, data: AuditData | None = None) -> AnalyzerResult:
    data = data or AuditData(period)
    result = AnalyzerResult(NAME, TITLE, owner(NAME), None, "")
    days_with_rows = {r["date"] for r in data.rows_in(period)}
    sources = data.freshness
    if not days_with_rows and not data.runs_in_period and not any(s.last_success for s in sources):
        _, result.formula, _ = checks_score({})
        result.note = f"{NOT_ENOUGH_DATA}: no computed day, no job run and no source ever pulled"
        result.kpis = [Kpi("data_quality", "Data quality score", "score", "higher", None)]
        return result
    limit = timezone.now() - timedelta(hours=settings.AUDIT_FRESHNESS_HOURS)
    stale = [s for s in sources if s.failing or s.last_success is None or s.last_success < limit]
    missing_days = [day for day in each_day(period.start, period.end) if day not in days_with_rows]
    failed, test_orders = data.failed_runs, data.excluded_orders["test"]
    checks = {
        "fresh": not stale,
        "no gaps": not missing_days,
        "no failed runs": not failed,
        "no test orders": not test_orders,
        "FX complete": not data.missing_fx,
        "campaigns named": not data.unnamed_campaigns,
    }
    result.score, result.formula, result.inputs = checks_score(checks)
    target, source = target_for("data_quality", Decimal(100), "every check passes")
    result.kpis = [
        Kpi("data_quality", "Data quality score", "score", "higher", Decimal(result.score), target, source)
    ]
    runs_link = links.admin("health_jobrun_changelist")
    if stale:
        rows = [
            {"source": s.label, "last success": _when(s.last_success), "last failure": _when(s.last_failure)}
            for s in stale
        ]
        result.findings.append(
            Finding(
                "stale-sources",
                "high",
                f"{len(stale)} source(s) not fresh (no success within "
                f"{settings.AUDIT_FRESHNESS_HOURS} hours, or the "
                f"latest run failed): {', '.join(s.label for s in stale)}",
                [Evidence("Sources", runs_link, rows)],
                "data_quality",
            )
        )
    if missing_days:
        shown = [{"day": day.isoformat()} for day in missing_days[:10]]
        result.findings.append(
            Finding(
                "day-gaps",
                "high",
                f"{len(missing_days)} of {period.days} days have no "
                "computed metrics (run manage.py compute_metrics)",
                [
                    Evidence(
                        "Days without metrics (first 10)", links.admin("etl_dailymetric_changelist"), shown
                    )
                ],
                "data_quality",
            )
        )
    if failed:
        rows = [
            {"job": run.job, "started": _when(run.started_at), "error": (run.error or "")[:120]}
            for run in failed[:10]
        ]
        result.findings.append(
            Finding(
                "failed-runs",
                "medium",
                f"{len(failed)} job run(s) failed in the period",
                [
                    Evidence(
                        "Failed runs (latest 10)",
                        links.admin("health_jobrun_changelist", status__exact="failed"),
                        rows,
                    )
                ],
                "data_quality",
            )
        )
    if test_orders:
        result.findings.append(
            Finding(
                "test-orders",
                "low",
                f"{fmt.count(test_orders)} test order(s) in the period (left out of every figure)",
                [Evidence("Test orders", links.admin("etl_order_changelist", test__exact="1"))],
                "data_quality",
            )
        )
    if data.missing_fx:
        rows = [{"currency": c, "day": day.isoformat()} for c, day in data.missing_fx[:10]]
        result.findings.append(
            Finding(
                "fx-missing",
                "high",
                f"{len(data.missing_fx)} FX rate(s) missing: the metrics of those days cannot be computed",
                [Evidence("Missing FX rates (first 10)", links.admin("etl_fxrate_changelist"), rows)],
                "data_quality",
            )
        )
    if data.unnamed_campaigns:
        rows = [
            {
                "platform": c["platform"],
                "campaign": c["external_id"],
                "spend": f"{c['spend']:,.2f} {c['currency']}",
            }
            for c in data.unnamed_campaigns[:10]
        ]
        result.findings.append(
            Finding(
                "unnamed-campaigns",
                "low",
                f"{len(data.unnamed_campaigns)} campaign(s) spent "
                "without a name: nobody can tell what the spend bought",
                [Evidence("Campaigns without a name", links.admin("etl_campaign_changelist"), rows)],
                "data_quality",
            )
        )
    return result
