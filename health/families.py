"""The checks health itself answers for: the backlog's people and queues, and the
job and data findings of the sweep.

Domain apps register the checks about their own data in their ``health.py``;
these read only the ground (``bizops.core``'s tickets) and health's own rows,
so they live here, on the sweep's floor.
"""

from collections import Counter, defaultdict
from datetime import datetime, timedelta

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from bizops.core.models import BacklogTicket
from health.registry import (
    Family,
    Finding,
    Problem,
    Severity,
    register_check,
    register_problem_count,
    register_promise,
)
from health.watch import JobReport, SourceReport

OPEN = ~Q(status=BacklogTicket.Status.DONE)
# Tickets the sweep opened for its own findings: owned by the area group named in their body
# (a group cannot hold a ticket), so they are not counted as ownerless work.
PEOPLES = ~Q(key__startswith="finding-")
# The group that answers for each area's jobs and sources (bizops.core.permissions' groups).
AREA_GROUPS = {"etl": "Ops", "health": "Ops", "ops": "Ops", "flags": "Growth", "finance": "Finance"}
URGENT = Q(priority__in=[BacklogTicket.Priority.P0, BacklogTicket.Priority.P1])
# One person holding more than this share of the open P0/P1 work is a single point of failure.
CONCENTRATION = 0.5
TICKETS_GROUP = "group:Team"


def area_owner(area: str) -> str:
    return f"group:{AREA_GROUPS.get(area, 'Ops')}"


def clip(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def ticket_link(pk: int, title: str) -> tuple[str, str]:
    return (title, reverse("admin:bizops_backlogticket_change", args=[pk]))


def job_link(job: str) -> tuple[str, str]:
    return (job, reverse("admin:health_job", args=[job]))


@register_check("tickets:ownerless", Family.ALIGNMENT)
def ownerless_tickets() -> list[Finding]:
    rows = list(BacklogTicket.objects.filter(OPEN & PEOPLES, owner=None).values_list("pk", "title")[:50])
    if not rows:
        return []
    return [
        Finding(
            "tickets:ownerless",
            Severity.WARNING,
            f"{len(rows):,} open ticket(s) have no owner",
            "give each an owner in Backlog tickets (filter: owner empty)",
            family=Family.ALIGNMENT,
            owner=TICKETS_GROUP,
            evidence=tuple(ticket_link(pk, title) for pk, title in rows[:10]),
            reach=len(rows),
            kpi="open tickets without an owner",
            signal_30d="0 open tickets without an owner",
        )
    ]


@register_check("tickets:concentration", Family.ALIGNMENT)
def urgent_work_concentration() -> list[Finding]:
    holders = Counter(
        BacklogTicket.objects.filter(OPEN & URGENT)
        .exclude(owner=None)
        .values_list("owner__username", flat=True)
    )
    total = sum(holders.values())
    if total < 3:
        return []
    person, held = holders.most_common(1)[0]
    if held / total <= CONCENTRATION:
        return []
    return [
        Finding(
            "tickets:concentration",
            Severity.WARNING,
            f"{person} holds {held:,} of the {total:,} open P0/P1 tickets ({100 * held / total:.0f}%)",
            "hand some of them to another owner, or lower the priority of those that can wait",
            family=Family.ALIGNMENT,
            owner=person,
            reach=held,
            kpi="largest share of open P0/P1 tickets held by one person",
            signal_30d=f"at most {100 * CONCENTRATION:.0f}% of open P0/P1 tickets with one person",
        )
    ]


def status_ages(now: datetime | None = None) -> dict[str, list[timedelta]]:
    """How long each open ticket has waited in its current status, by status (history rows, one query)."""
    now = now or timezone.now()
    since: dict[int, tuple[str, datetime]] = {}
    history = BacklogTicket.history.filter(id__in=BacklogTicket.objects.filter(OPEN).values("pk"))
    for pk, status, at in history.order_by("id", "history_date").values_list("id", "status", "history_date"):
        if pk not in since or since[pk][0] != status:
            since[pk] = (status, at)
    ages: dict[str, list[timedelta]] = defaultdict(list)
    for status, at in since.values():
        ages[status].append(now - at)
    return dict(ages)


@register_check("tickets:waiting", Family.CONSTRAINTS)
def longest_wait() -> list[Finding]:
    """The status where open work has waited longest in total (tickets x their ages)."""
    ages = status_ages()
    if not ages:
        return []
    status, waits = max(ages.items(), key=lambda item: sum(item[1], timedelta()))
    median = sorted(waits)[len(waits) // 2]
    if median < timedelta(days=7):
        return []
    label = BacklogTicket.Status(status).label
    return [
        Finding(
            "tickets:waiting",
            Severity.WARNING,
            f"work waits longest in {label!r}: {len(waits):,} ticket(s), "
            f"median {median.total_seconds() / 86400:,.1f} days in that status",
            f"look at what holds tickets in {label!r} (a reviewer, a dependency) and clear the oldest first",
            family=Family.CONSTRAINTS,
            key=f"tickets:waiting:{status}",
            owner=TICKETS_GROUP,
            reach=len(waits),
            kpi=f"median days in {label!r}",
            signal_30d=f"median time in {label!r} under 7 days",
        )
    ]


@register_problem_count("tickets overdue P0/P1")
def overdue_urgent_tickets() -> int:
    return BacklogTicket.objects.filter(OPEN & URGENT, due_date__lt=timezone.localdate()).count()


@register_promise("tickets with an owner")
def tickets_with_owners() -> tuple[int, int]:
    tickets = BacklogTicket.objects.filter(OPEN & PEOPLES)
    return tickets.exclude(owner=None).count(), tickets.count()


def job_findings(report: JobReport) -> list[Finding]:
    """Resilience: down or late jobs, stuck runs, failures; coordination: overlaps and waits."""
    spec, name = report.spec, f"job:{report.spec.name}"
    owner = area_owner(spec.area)
    common = {"owner": owner, "evidence": (job_link(spec.name),), "problem": Problem.JOB}
    findings = []
    if report.state in ("down", "late"):
        missed = report.matched.count("missed")
        findings.append(
            Finding(
                name,
                Severity.ERROR if report.state == "down" else Severity.WARNING,
                f"{report.state}: {report.reason}; {missed:,} missed run(s) this week, "
                f"schedule {report.schedule.described}",
                "open the job's page, read the last error, check the worker and beat, run it by hand",
                family=Family.RESILIENCE,
                reach=max(1, missed + report.failed),
                kpi=f"{spec.name} on-time rate",
                signal_30d=f"{spec.name} on time for every expected run",
                **common,
            )
        )
    if report.failed and report.state != "down":
        findings.append(
            Finding(
                name,
                Severity.WARNING,
                f"{report.failed:,} failed run(s) this week; "
                f"last error: {clip(report.last_error) or '(none)'}",
                "open the job's runs in the admin (Health > Jobs)",
                family=Family.RESILIENCE,
                key=f"{name}:failures",
                reach=report.failed,
                kpi=f"{spec.name} success rate",
                signal_30d=f"{spec.name} success rate 100%",
                **common,
            )
        )
    if report.skipped or report.waited_for_lock:
        findings.append(
            Finding(
                name,
                Severity.WARNING,
                f"{report.skipped:,} run(s) refused because another held the lock, "
                f"{report.waited_for_lock:,} started late waiting for it",
                "space the schedules so runs of one job do not overlap, or shorten the job",
                family=Family.COORDINATION,
                key=f"{name}:overlaps",
                reach=report.skipped + report.waited_for_lock,
                kpi=f"{spec.name} overlapping runs per week",
                signal_30d="no overlapping runs",
                **common,
            )
        )
    return findings


def source_findings(report: SourceReport) -> list[Finding]:
    if report.state not in ("late", "stale"):
        return []
    spec = report.spec
    return [
        Finding(
            f"source:{spec.name}",
            Severity.ERROR if report.state == "stale" else Severity.WARNING,
            f"{spec.label} is {report.state}: {report.reason}",
            "check its pull's last run and error; run the pull by hand once the cause is fixed",
            family=Family.RESILIENCE,
            owner=area_owner(spec.area),
            evidence=((spec.label, str(spec.admin_url)),) if spec.admin_url else (),
            kpi=f"{spec.label} data age",
            signal_30d=f"{spec.label} fresh every day",
            problem=Problem.SOURCE if report.state == "stale" else Problem.OTHER,
        )
    ]


@register_check("tickets:findings-left-open", Family.FEEDBACK)
def findings_left_open() -> list[Finding]:
    """Finding -> ticket -> closed: tickets the sweep opened that nobody has moved in 30 days."""
    old = timezone.now() - timedelta(days=30)
    rows = list(
        BacklogTicket.objects.filter(OPEN, key__startswith="finding-", created_at__lt=old)
        .order_by("created_at")
        .values_list("pk", "title")[:50]
    )
    if not rows:
        return []
    return [
        Finding(
            "tickets:findings-left-open",
            Severity.WARNING,
            f"{len(rows):,} ticket(s) opened by the health sweep are still open after 30 days",
            "fix them or close them with a reason; a finding nobody acts on is noise",
            family=Family.FEEDBACK,
            owner=TICKETS_GROUP,
            evidence=tuple(ticket_link(pk, title) for pk, title in rows[:10]),
            reach=len(rows),
            kpi="health tickets open over 30 days",
            signal_30d="none open over 30 days",
        )
    ]
