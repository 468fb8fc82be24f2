"""The weekly business audit: nine analyzers, two scores, the top realignments and their tickets.

``run_audit(period)`` computes (no writes); ``write_audit(audit)`` stores the
report (kind ``exec``, slug ``unaligned_audit_<period end>``; a rerun for the
same period replaces it) and keeps the realignment tickets, in one
transaction.

Realignments: every KPI an analyzer measures with a gap (short of its
target), largest gap first, the first ``AUDIT_REALIGNMENTS`` (5). Each is a
READY backlog ticket keyed ``audit-<kpi>`` (``bizops.core.keyed_tickets``):
owner = the analyzer's owner, KPI, target, 30-day signal (halfway to target),
priority P0 for a gap of 50 % or more, P1 from 20 %, else P2. A KPI that
reaches its target closes its ticket with a note; a KPI still short but out
of the top, or not measured this time, keeps its ticket as it is.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from bizops.audit import fmt, kpis, report_text
from bizops.audit.analyzers import ANALYZERS
from bizops.audit.base import AnalyzerResult, Kpi, Period
from bizops.audit.data import AuditData
from bizops.audit.scores import Score, alignment_temperature, momentum_index
from bizops.core import keyed_tickets
from bizops.core.models import BacklogTicket, Report

TICKET_PREFIX = "audit-"
SLUG_PREFIX = "unaligned_audit_"
SOURCE_LABEL = "the business audit"
ORDER = [analyzer.NAME for analyzer in ANALYZERS]
OPEN = {BacklogTicket.Status.READY, BacklogTicket.Status.IN_PROGRESS, BacklogTicket.Status.BLOCKED}


@dataclass
class Realignment:
    rank: int
    kpi: Kpi
    analyzer: AnalyzerResult

    @property
    def ticket_key(self) -> str:
        return ticket_key(self.kpi.key)

    @property
    def priority(self) -> str:
        gap = self.kpi.gap or 0
        return "P0" if gap >= Decimal("0.5") else ("P1" if gap >= Decimal("0.2") else "P2")

    def spec(self) -> keyed_tickets.TicketSpec:
        kpi, analyzer = self.kpi, self.analyzer
        findings = [f for f in analyzer.findings if f.kpi == kpi.key] or analyzer.findings
        lines = [
            f"The business audit finds **{kpi.label}** at {kpi.shown()}, {kpi.target_text} wanted "
            f"({kpi.target_source}): a gap of {fmt.share(kpi.gap)}.",
            "",
            f"Area: {analyzer.title} (score {analyzer.score if analyzer.score is not None else 'n/a'}; "
            f"{analyzer.formula}).",
            "",
            "**Findings:**",
        ]
        for finding in findings:
            lines.append(f"- {finding.message}")
            lines += [f"  - [{e.label}]({e.url})" for e in finding.evidence if e.url]
        return keyed_tickets.TicketSpec(
            key=self.ticket_key,
            title=f"Realign {kpi.label}: {kpi.shown()} to {kpi.target_text}",
            priority=self.priority,
            status=BacklogTicket.Status.READY,
            owner=analyzer.owner,
            kpi=kpi.key,
            target=f"{kpi.target_text} ({kpi.target_source})" if kpi.target_source else kpi.target_text,
            signal_30d=kpi.signal_30d,
            body="\n".join(lines),
        )

    def as_dict(self) -> dict:
        return {
            "rank": self.rank,
            "kpi": self.kpi.key,
            "label": self.kpi.label,
            "value": self.kpi.shown(),
            "target": self.kpi.target_text,
            "target_source": self.kpi.target_source,
            "gap": str(self.kpi.gap),
            "owner": self.analyzer.owner,
            "analyzer": self.analyzer.name,
            "signal_30d": self.kpi.signal_30d,
            "priority": self.priority,
            "ticket": self.ticket_key,
        }


@dataclass
class Audit:
    period: Period
    results: list[AnalyzerResult]
    temperature: Score
    momentum: Score
    realignments: list[Realignment] = field(default_factory=list)
    tickets: dict[str, int] = field(default_factory=dict)
    data: AuditData | None = field(default=None, repr=False)

    @property
    def kpis(self) -> list[tuple[Kpi, AnalyzerResult]]:
        seen, found = set(), []
        for result in self.results:
            for kpi in result.kpis:
                if kpi.key not in seen:
                    seen.add(kpi.key)
                    found.append((kpi, result))
        return found

    @property
    def slug(self) -> str:
        return f"{SLUG_PREFIX}{self.period.end.isoformat()}"

    @property
    def enough_data(self) -> bool:
        return any(result.score is not None for result in self.results)

    def figures(self) -> dict:
        return {
            "period": {
                "start": self.period.start.isoformat(),
                "end": self.period.end.isoformat(),
                "days": self.period.days,
            },
            "scores": {
                "alignment_temperature": self.temperature.as_dict(),
                "momentum_index": self.momentum.as_dict(),
            },
            "analyzers": [result.as_dict() for result in self.results],
            "kpi_gaps": [
                {**kpi.as_dict(), "analyzer": result.name, "owner": result.owner}
                for kpi, result in self.kpis
                if kpi.gap is not None
            ],
            "realignments": [r.as_dict() for r in self.realignments],
            "tickets": self.tickets,
        }


def ticket_key(kpi_key: str) -> str:
    return f"{TICKET_PREFIX}{kpi_key.replace('_', '-')}"


def _scores(data: AuditData, results: list[AnalyzerResult], period: Period) -> tuple[Score, Score]:
    gaps = {kpi.key: kpi.gap for result in results for kpi in result.kpis if kpi.gap is not None}
    open_urgent = [t for t in data.tickets if t.status in OPEN and t.priority in ("P0", "P1")]
    temperature = alignment_temperature([(t.key, kpis.match(t.kpi)) for t in open_urgent], gaps)
    start, end = period.bounds()
    p_start, _ = period.previous.bounds()
    done = [t.done_at for t in data.tickets if t.status == BacklogTicket.Status.DONE and t.done_at]
    done_now = sum(1 for at in done if start <= at < end) if data.tickets else None
    done_before = sum(1 for at in done if p_start <= at < start) if data.tickets else None
    directions = [(kpi.key, kpi.gap, kpi.direction) for result in results for kpi in result.kpis]
    return temperature, momentum_index(directions, done_now, done_before)


def run_audit(period: Period) -> Audit:
    """Every analyzer over ``period``, the two scores and the ranked realignments (nothing written)."""
    data = AuditData(period)
    results = [analyzer.analyze(period, data) for analyzer in ANALYZERS]
    temperature, momentum = _scores(data, results, period)
    audit = Audit(period, results, temperature, momentum, data=data)
    short = sorted(
        ((kpi, result) for kpi, result in audit.kpis if kpi.gap),
        key=lambda pair: (-pair[0].gap, ORDER.index(pair[1].name)),
    )
    audit.realignments = [
        Realignment(rank, kpi, result)
        for rank, (kpi, result) in enumerate(short[: settings.AUDIT_REALIGNMENTS], 1)
    ]
    return audit


def sync_realignment_tickets(audit: Audit) -> dict[str, int]:
    """Tickets for the top realignments; closes those whose KPI reached its target."""
    chosen = {r.ticket_key for r in audit.realignments}
    keep, reasons = set(), {}
    for kpi, _ in audit.kpis:
        key = ticket_key(kpi.key)
        if key in chosen:
            continue
        if kpi.reached:
            reasons[key] = f"{kpi.label} reached its target: {kpi.shown()} ({kpi.target_text})"
        else:
            keep.add(key)  # still short but out of the top, or not measured this time
    specs = [r.spec() for r in audit.realignments]
    return keyed_tickets.sync(TICKET_PREFIX, specs, SOURCE_LABEL, keep=keep, close_reasons=reasons)


@transaction.atomic
def write_audit(audit: Audit, produced_by: str = "audit.weekly_audit") -> Report:
    """Keep the realignment tickets and store the report, all or nothing."""
    audit.tickets = sync_realignment_tickets(audit)
    report, _ = Report.objects.update_or_create(
        kind=Report.Kind.EXEC,
        slug=audit.slug,
        defaults={
            "title": f"Unaligned audit: {audit.period.label}",
            "period_start": audit.period.start,
            "period_end": audit.period.end,
            "body": report_text.audit_markdown(audit),
            "figures": audit.figures(),
            "produced_by": produced_by,
            "created_at": timezone.now(),
        },
    )
    return report
