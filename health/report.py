"""The weekly master report: a ``HealthSnapshot``, a ``Report`` (kind ``system``) and the
backlog kept in step with the findings.

Top fixes are ranked by severity x reach (error 3, warning 1; reach = the
objects or runs a finding touches). Each top fix becomes a ``BacklogTicket``
keyed by its finding (``finding-<slug>-<hash>``): created once, updated while
open, reopened if it comes back, and closed with a note when a sweep no longer
finds it. A finding still found but out of the top keeps its open ticket.
"""

import hashlib
from dataclasses import asdict
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from bizops.core import durations, keyed_tickets
from bizops.core.keyed_tickets import TicketSpec
from bizops.core.models import BacklogTicket, Report
from health import scores, signals_out
from health.models import HealthSnapshot
from health.registry import Finding, Severity
from health.sweep import Sweep

TICKET_PREFIX = "finding-"
DONE = BacklogTicket.Status.DONE


def ticket_key(finding: Finding) -> str:
    digest = hashlib.sha256(finding.ident.encode()).hexdigest()[:10]
    return f"{TICKET_PREFIX}{slugify(finding.ident)[:70]}-{digest}"


def top_fixes(findings: list[Finding], limit: int | None = None) -> list[Finding]:
    limit = settings.HEALTH_TOP_FIXES if limit is None else limit
    ranked = sorted(findings, key=lambda f: (-f.rank, f.ident))
    unique: dict[str, Finding] = {}
    for finding in ranked:
        unique.setdefault(finding.ident, finding)
    return list(unique.values())[:limit]


def _ticket_body(finding: Finding) -> str:
    lines = [finding.message + ".", "", f"**Suggested fix:** {finding.fix or '(none given)'}.", ""]
    lines.append(
        f"**Severity:** {finding.severity}; reach {finding.reach:,}; owner {finding.owner or '(none)'}."
    )
    if finding.evidence:
        lines += ["", "**Evidence:**"] + [f"- [{label}]({url})" for label, url in finding.evidence]
    return "\n".join(lines)


def sync_tickets(sweep: Sweep) -> dict[str, int]:
    """Tickets for the top fixes; closes those no longer found. Counts by what happened.

    ``bizops.core.keyed_tickets`` keeps them (the business audit's tickets go the same
    way). A finding still found but out of the top keeps its open ticket. A finding
    owned by an area ("group:Ops") names the group in the body and leaves the ticket
    for the team to assign.
    """
    specs = [
        TicketSpec(
            key=ticket_key(finding),
            title=f"Fix: {finding.message}",
            priority=(
                BacklogTicket.Priority.P1 if finding.severity == Severity.ERROR else BacklogTicket.Priority.P2
            ),
            owner="" if finding.owner.startswith("group:") else finding.owner,
            kpi=finding.kpi,
            signal_30d=finding.signal_30d,
            body=_ticket_body(finding),
        )
        for finding in top_fixes(sweep.findings)
    ]
    still_found = {ticket_key(f) for f in sweep.findings}
    return keyed_tickets.sync(TICKET_PREFIX, specs, "the health sweep", keep=still_found)


def finding_row(finding: Finding) -> dict:
    row = asdict(finding)
    row.update(key=finding.ident, rank=finding.rank, ticket=ticket_key(finding))
    row["family"], row["severity"], row["problem"] = (
        str(finding.family),
        str(finding.severity),
        str(finding.problem),
    )
    return row


@transaction.atomic
def write_snapshot(sweep: Sweep, produced_by: str = "health.weekly_sweep") -> tuple[HealthSnapshot, Report]:
    """Store the snapshot, sync the tickets and write the report, all or nothing."""
    previous = list(HealthSnapshot.objects.order_by("-taken_at")[:7])
    tickets = sync_tickets(sweep)
    since = previous[0].taken_at if previous else sweep.start
    closed_since = BacklogTicket.objects.filter(
        key__startswith=TICKET_PREFIX, status=DONE, done_at__gte=since
    ).count()
    snapshot = HealthSnapshot.objects.create(
        taken_at=sweep.end,
        period_start=sweep.start,
        period_end=sweep.end,
        scores={
            "resilience": sweep.resilience.as_dict(),
            "entropy": sweep.entropy.as_dict(),
            "coherence": sweep.coherence.as_dict(),
        },
        problems=sweep.problems,
        findings=[finding_row(f) for f in sweep.findings],
        jobs_by_state=sweep.jobs_by_state(),
        sources_by_state=sweep.sources_by_state(),
        tickets_closed=closed_since,
    )
    history = [*reversed(previous), snapshot]
    end_day = timezone.localdate(sweep.end)
    report, _ = Report.objects.update_or_create(
        kind=Report.Kind.SYSTEM,
        slug=f"system_health_{end_day:%Y-%m-%d}",
        defaults={
            "title": f"System health {end_day:%Y-%m-%d}",
            "period_start": timezone.localdate(sweep.start),
            "period_end": end_day,
            "body": render(sweep, history, tickets, closed_since),
            "figures": {
                "scores": snapshot.scores,
                "problems": sweep.problems,
                "jobs_by_state": snapshot.jobs_by_state,
                "sources_by_state": snapshot.sources_by_state,
                "tickets": {**tickets, "closed_since_last_week": closed_since},
                "top_fixes": [ticket_key(f) for f in top_fixes(sweep.findings)],
            },
            "produced_by": produced_by,
            "created_at": timezone.now(),
        },
    )
    snapshot.report_slug = report.slug
    snapshot.save(update_fields=["report_slug"])
    before = previous[0].scores.get("resilience", {}).get("value") if previous else None
    signals_out.weekly_report(report, sweep.score, before)
    return snapshot, report


def _pct(value: float | None) -> str:
    return "no data" if value is None else f"{100 * value:.1f}%"


def render(sweep: Sweep, history: list[HealthSnapshot], tickets: dict, closed_since: int) -> str:
    start, end = timezone.localtime(sweep.start), timezone.localtime(sweep.end)
    lines = [f"# System health, {start:%Y-%m-%d} to {end:%Y-%m-%d}", "", "## Scores", ""]
    lines += ["| score | this week | trend | past weeks (oldest first) |", "|---|---|---|---|"]
    for name, score in (("Resilience index", sweep.resilience), ("Entropy delta", sweep.entropy)):
        lines.append(_score_row(name, score, history, "resilience" if "Resil" in name else "entropy"))
    lines.append(_score_row("Coherence score", sweep.coherence, history, "coherence"))
    weights = ", ".join(f"{k} {v:g}" for k, v in sweep.resilience.weights.items())
    parts = ", ".join(f"{k} {_pct(v)}" for k, v in sweep.resilience.components.items())
    lines += [
        "",
        f"**Resilience index**: index = {scores.RESILIENCE_FORMULA}. "
        f"Weights (HEALTH_RESILIENCE_WEIGHTS): {weights}. Components: {parts}. "
        "Success = succeeded / (succeeded + failed + abandoned runs); "
        "on time = expected runs started within grace / expected runs due; "
        "freshness = (fresh + 0.5 x late sources) / sources with data; "
        f"recovery = max(0, 1 - MTTR / {settings.HEALTH_MTTR_TARGET_HOURS:g} h); "
        "missed = 1 - missed / expected.",
        "",
        f"**Entropy delta**: {scores.ENTROPY_FORMULA} (positive: degrading). Open problems now: "
        + (", ".join(f"{k} {v:,}" for k, v in sweep.problems.items()) or "none")
        + ".",
        "",
        f"**Coherence score**: coherence = {scores.COHERENCE_FORMULA}. Promises: "
        + (", ".join(f"{k} {kept:,}/{total:,}" for k, (kept, total) in sweep.promises.items()) or "none")
        + ".",
        "",
        "## Jobs and data",
        "",
        "Jobs by state: "
        + (", ".join(f"{k} {v:,}" for k, v in sorted(sweep.jobs_by_state().items())) or "none"),
        "",
        "| job | schedule | state | expected | on time | late | missed | success | p50 | p95 | last error |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for job in sweep.jobs:
        m = job.matched
        finished = job.succeeded + job.failed
        success = "no runs" if not finished else f"{100 * job.succeeded / finished:.1f}%"
        lines.append(
            f"| {job.spec.name} | {job.schedule.described} | {job.state} | {m.due:,} "
            f"| {m.count('on_time'):,} | {m.count('late'):,} | {m.count('missed'):,} | {success} "
            f"| {_secs(job.p50)} | {_secs(job.p95)} | {_clip(job.last_error)} |"
        )
    lines += ["", "| source | newest data | last load | state |", "|---|---|---|---|"]
    for source in sweep.sources:
        load = f"{timezone.localtime(source.last_load):%Y-%m-%d %H:%M}" if source.last_load else "never"
        lines.append(f"| {source.spec.label} | {source.newest or 'none'} | {load} | {source.state} |")
    lines += ["", "## Findings by family", ""]
    for family, found in sweep.by_family().items():
        lines += [f"### {family.label} ({len(found):,})", ""]
        lines += [_finding_line(f) for f in found] or ["Nothing found."]
        lines.append("")
    lines += ["## Top fixes (severity x reach)", ""]
    top = top_fixes(sweep.findings)
    if not top:
        lines.append("Nothing to fix.")
    else:
        lines += [
            "| # | fix | severity x reach | owner | KPI | 30-day signal | ticket |",
            "|---|---|---|---|---|---|---|",
        ]
        for i, f in enumerate(top, 1):
            lines.append(
                f"| {i} | {f.message}: {f.fix} | {f.severity} x {f.reach:,} = {f.rank:,} | {f.owner or '-'} "
                f"| {f.kpi or '-'} | {f.signal_30d or '-'} | {ticket_key(f)} |"
            )
    lines += [
        "",
        "## Backlog",
        "",
        f"Tickets created {tickets['created']:,}, updated {tickets['updated']:,}, reopened "
        f"{tickets['reopened']:,}, closed {tickets['closed']:,} by this sweep; "
        f"**{closed_since:,} closed since last week**.",
    ]
    return "\n".join(lines) + "\n"


def _score_row(name: str, score: scores.Score, history: list[HealthSnapshot], key: str) -> str:
    values = [s.scores.get(key, {}).get("value") for s in history[:-1]] + [score.value]
    past = ", ".join("n/a" if v is None else f"{v:,.1f}" for v in values[:-1]) or "none yet"
    missing = (
        f" (no data for: {', '.join(score.missing)})" if score.missing and score.value is not None else ""
    )
    return f"| {name} | {score.shown}{missing} | {scores.trend(values)} | {past} |"


def _finding_line(f: Finding) -> str:
    evidence = "; ".join(f"[{label}]({url})" for label, url in f.evidence)
    owner = f" Owner: {f.owner}." if f.owner else ""
    return f"- **{f.severity}** {f.check}: {f.message}. Fix: {f.fix or '-'}.{owner}" + (
        f" Evidence: {evidence}." if evidence else ""
    )


def _secs(value: float | None) -> str:
    return "-" if value is None else durations.human(timedelta(seconds=value))


def _clip(text: str) -> str:
    text = (text or "").replace("|", "/").replace("\n", " ")
    return text if len(text) <= 80 else text[:79] + "…"
