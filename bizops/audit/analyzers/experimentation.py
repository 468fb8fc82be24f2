"""Experimentation: is the business learning, and are its experiments sound?

From flags' experiments: running now; decided in the period (status decided,
ended in the period); velocity = decided per 30 days; sample-ratio mismatch
(SRM) flagged by the latest analysis of a running experiment; experiments
past their end (ended) without a decision. Four checks:

1. something running: at least one experiment runs;
2. velocity held: decided in the period > 0 and at least as many as the period before;
3. no SRM: no running experiment's analysis flags a sample-ratio mismatch;
4. decisions made: no experiment has ended without a decision.

Score: 100 x checks passed / 4. KPI: velocity (decided per 30 days); target
``AUDIT_TARGETS``'s ``experiment_velocity``, else the previous period's.
"""

from decimal import Decimal

from django.core.exceptions import ObjectDoesNotExist
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

NAME, TITLE = "experimentation", "Experimentation"


def analysis(experiment):
    try:
        return experiment.analysis
    except ObjectDoesNotExist:
        return None


def _decided_in(experiments: list, period: Period) -> list:
    start, end = period.bounds()
    return [e for e in experiments if e.status == "decided" and e.ended_at and start <= e.ended_at < end]


def _row(e) -> dict:
    return {
        "experiment": e.key,
        "status": e.get_status_display(),
        "ended": f"{timezone.localtime(e.ended_at):%Y-%m-%d}" if e.ended_at else "",
        "owner": e.owner.username if e.owner else "(none)",
    }


def analyze(period: Period, data: AuditData | None = None) -> AnalyzerResult:
    data = data or AuditData(period)
    experiments = data.experiments
    result = AnalyzerResult(NAME, TITLE, owner(NAME), None, "")
    if not experiments:
        _, result.formula, _ = checks_score({})
        result.note = f"{NOT_ENOUGH_DATA}: no experiment yet"
        result.kpis = [Kpi("experiment_velocity", "Experiment velocity", "days", "higher", None)]
        return result
    now = timezone.now()
    running = [e for e in experiments if e.status == "running"]
    srm = [e for e in running if (a := analysis(e)) and a.srm_flagged]
    undecided = [e for e in experiments if e.ended_at and e.ended_at < now and not e.decision]
    decided_now, decided_before = (
        len(_decided_in(experiments, period)),
        len(_decided_in(experiments, period.previous)),
    )
    months = Decimal(period.days) / 30
    checks = {
        "something running": bool(running),
        "velocity held": decided_now > 0 and decided_now >= decided_before,
        "no SRM": not srm,
        "decisions made": not undecided,
    }
    result.score, result.formula, result.inputs = checks_score(checks)
    velocity, before = Decimal(decided_now) / months, Decimal(decided_before) / months
    target, source = target_for("experiment_velocity", before if decided_before else None, "previous period")
    result.kpis = [
        Kpi(
            "experiment_velocity",
            "Experiments decided per month",
            "days",
            "higher",
            velocity,
            target,
            source,
            before,
        )
    ]
    result.inputs.update(
        {
            "running": fmt.count(len(running)),
            "decided in the period": fmt.count(decided_now),
            "decided the period before": fmt.count(decided_before),
            "velocity (decided per 30 days)": fmt.number(velocity),
        }
    )
    changelist = links.admin("flags_experiment_changelist")
    if not running:
        result.findings.append(
            Finding(
                "none-running",
                "high",
                "No experiment is running",
                [Evidence("Experiments", changelist)],
                "experiment_velocity",
            )
        )
    if not checks["velocity held"]:
        result.findings.append(
            Finding(
                "velocity-down",
                "medium",
                f"{decided_now} experiment(s) decided in the period "
                f"against {decided_before} the period before",
                [Evidence("Experiments", changelist, [_row(e) for e in _decided_in(experiments, period)])],
                "experiment_velocity",
            )
        )
    if srm:
        result.findings.append(
            Finding(
                "srm",
                "high",
                f"{len(srm)} running experiment(s) show a sample-ratio "
                "mismatch: their results cannot be trusted",
                [Evidence("Experiments with SRM", changelist, [_row(e) for e in srm])],
                "experiment_velocity",
            )
        )
    if undecided:
        result.findings.append(
            Finding(
                "no-decision",
                "medium",
                f"{len(undecided)} experiment(s) ended without a decision",
                [Evidence("Ended without a decision", changelist, [_row(e) for e in undecided[:10]])],
                "experiment_velocity",
            )
        )
    return result
