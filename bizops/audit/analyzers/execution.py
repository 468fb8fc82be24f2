"""Execution: how work flows through the backlog.

Open work is a ticket ready, in progress or blocked (drafts are not committed
work). Four checks:

1. P0/P1 fresh: no open P0 or P1 ticket older than ``AUDIT_P0P1_MAX_AGE_DAYS``;
2. throughput held: tickets done in the period > 0 and at least as many as in
   the previous period;
3. nothing overdue: no open ticket past its due date (today, reporting time zone);
4. WIP within limit: nobody has more than ``AUDIT_WIP_LIMIT`` tickets in progress.

Score: 100 x checks passed / 4. KPI: weekly throughput = tickets done in the
period / (days / 7); target ``AUDIT_TARGETS``'s ``weekly_throughput``, else
the previous period's.
"""

from collections import Counter
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
from bizops.core.models import BacklogTicket
from etl.metrics.days import today

NAME, TITLE = "execution", "Execution"
S = BacklogTicket.Status
OPEN = {S.READY, S.IN_PROGRESS, S.BLOCKED}


def _done_in(tickets: list, period: Period) -> list:
    start, end = period.bounds()
    return [t for t in tickets if t.status == S.DONE and t.done_at and start <= t.done_at < end]


def _row(ticket, now) -> dict:
    return {
        "ticket": ticket.key,
        "priority": ticket.priority,
        "status": ticket.get_status_display(),
        "owner": ticket.owner.username if ticket.owner else "(none)",
        "age (days)": fmt.count((now - ticket.created_at).days),
        "due": ticket.due_date.isoformat() if ticket.due_date else "",
    }


def analyze(period: Period, data: AuditData | None = None) -> AnalyzerResult:
    data = data or AuditData(period)
    tickets = data.tickets
    result = AnalyzerResult(NAME, TITLE, owner(NAME), None, "")
    if not tickets:
        _, result.formula, _ = checks_score({})
        result.note = f"{NOT_ENOUGH_DATA}: the backlog is empty"
        result.kpis = [Kpi("weekly_throughput", "Weekly throughput", "days", "higher", None)]
        return result
    now, day = timezone.now(), today()
    max_age = settings.AUDIT_P0P1_MAX_AGE_DAYS
    open_tickets = [t for t in tickets if t.status in OPEN]
    old = [t for t in open_tickets if t.priority in ("P0", "P1") and (now - t.created_at).days > max_age]
    overdue = [t for t in open_tickets if t.due_date and t.due_date < day]
    wip = Counter(t.owner.username if t.owner else "(none)" for t in tickets if t.status == S.IN_PROGRESS)
    over = {name: n for name, n in wip.items() if n > settings.AUDIT_WIP_LIMIT}
    done_now, done_before = len(_done_in(tickets, period)), len(_done_in(tickets, period.previous))
    weeks = Decimal(period.days) / 7
    checks = {
        "P0/P1 fresh": not old,
        "throughput held": done_now > 0 and done_now >= done_before,
        "nothing overdue": not overdue,
        "WIP within limit": not over,
    }
    result.score, result.formula, result.inputs = checks_score(checks)
    throughput, before = Decimal(done_now) / weeks, Decimal(done_before) / weeks
    target, source = target_for("weekly_throughput", before if done_before else None, "previous period")
    result.kpis = [
        Kpi(
            "weekly_throughput",
            "Weekly throughput (tickets done)",
            "days",
            "higher",
            throughput,
            target,
            source,
            before,
        )
    ]
    p0p1 = [t for t in open_tickets if t.priority in ("P0", "P1")]
    ages = sorted((now - t.created_at).days for t in p0p1)
    result.inputs.update(
        {
            "open tickets": fmt.count(len(open_tickets)),
            "open P0/P1": fmt.count(len(p0p1)),
            "oldest P0/P1 (days)": fmt.count(ages[-1]) if ages else fmt.NA,
            "done this period": fmt.count(done_now),
            "done the period before": fmt.count(done_before),
            "in progress per owner": ", ".join(f"{name} {n}" for name, n in sorted(wip.items())) or "none",
        }
    )
    backlog = links.admin("bizops_backlogticket_changelist")
    if old:
        result.findings.append(
            Finding(
                "old-p0-p1",
                "high",
                f"{len(old)} open P0/P1 ticket(s) older than {max_age} days",
                [Evidence("Old P0/P1 tickets", backlog, [_row(t, now) for t in old[:10]])],
                "weekly_throughput",
            )
        )
    if not checks["throughput held"]:
        result.findings.append(
            Finding(
                "throughput-down",
                "medium",
                f"{done_now} ticket(s) done in the period against {done_before} the period before",
                [
                    Evidence(
                        "Done tickets", links.admin("bizops_backlogticket_changelist", status__exact="done")
                    )
                ],
                "weekly_throughput",
            )
        )
    if overdue:
        result.findings.append(
            Finding(
                "overdue",
                "medium",
                f"{len(overdue)} open ticket(s) past their due date",
                [Evidence("Overdue tickets", backlog, [_row(t, now) for t in overdue[:10]])],
                "weekly_throughput",
            )
        )
    if over:
        result.findings.append(
            Finding(
                "wip",
                "medium",
                "More work in progress than the limit "
                f"({settings.AUDIT_WIP_LIMIT}): "
                + ", ".join(f"{name} has {n}" for name, n in sorted(over.items())),
                [
                    Evidence(
                        "In progress",
                        links.admin("bizops_backlogticket_changelist", status__exact="in_progress"),
                    )
                ],
                "weekly_throughput",
            )
        )
    return result
