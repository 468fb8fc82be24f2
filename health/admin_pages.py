"""What the health admin pages show, computed from rows (the templates only lay it out).

Job page, for the last ``DAYS`` days: runs per reporting day by outcome (chart),
success rate = succeeded / (succeeded + failed + abandoned), p50 and p95 of the
successful runs' durations (nearest rank), rows read and written, the flips and
the last error. Overview: the scores of every snapshot (chart), the latest
snapshot's findings by family, jobs by state and sources by freshness.
"""

from collections import Counter, defaultdict
from datetime import timedelta

from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from bizops.core import durations
from bizops.core.models import Report
from health import registry
from health.models import Flip, HealthSnapshot, JobRun, Monitor
from health.scores import NOT_ENOUGH_DATA
from health.watch import FAILED, percentile

DAYS = 30
SNAPSHOTS = 26


def _pct(part: int, whole: int) -> str:
    return NOT_ENOUGH_DATA if not whole else f"{100 * part / whole:.1f}%"


def _secs(value: float | None) -> str:
    return durations.human(None if value is None else timedelta(seconds=value))


def job_page(name: str) -> dict:
    spec = next((s for s in registry.jobs() if s.name == name), None)
    if spec is None and not JobRun.objects.for_job(name).exists():
        raise Http404(f"no job named {name!r}")
    now = timezone.now()
    since = now - timedelta(days=DAYS)
    runs = list(
        JobRun.objects.for_job(name)
        .started_since(since)
        .order_by("started_at")
        .values_list("pk", "status", "started_at", "duration", "rows_read", "rows_written", "error")
    )
    days = [timezone.localdate(since) + timedelta(days=i) for i in range(DAYS + 1)]
    by_day: dict = defaultdict(Counter)
    seconds, read, written = [], 0, 0
    for _, status, started, duration, rows_read, rows_written, _ in runs:
        outcome = "failed" if status in FAILED else status
        by_day[timezone.localdate(started)][outcome] += 1
        read, written = read + rows_read, written + rows_written
        if status == JobRun.Status.SUCCEEDED and duration is not None:
            seconds.append(duration.total_seconds())
    succeeded = sum(1 for r in runs if r[1] == JobRun.Status.SUCCEEDED)
    failed = sum(1 for r in runs if r[1] in FAILED)
    last_failure = JobRun.objects.for_job(name).filter(status__in=FAILED).order_by("-started_at").first()
    monitor = Monitor.objects.filter(kind=Monitor.Kind.JOB, name=name).first()
    return {
        "name": name,
        "spec": spec,
        "monitor": monitor,
        "runs": len(runs),
        "success_rate": _pct(succeeded, succeeded + failed),
        "succeeded": succeeded,
        "failed": failed,
        "p50": _secs(percentile(seconds, 0.5)),
        "p95": _secs(percentile(seconds, 0.95)),
        "rows_read": read,
        "rows_written": written,
        "flips": list(Flip.objects.filter(monitor=monitor)[:50]) if monitor else [],
        "last_failure": last_failure,
        "recent": list(JobRun.objects.for_job(name)[:15]),
        "runs_link": reverse("admin:health_jobrun_changelist") + f"?job={name}",
        "chart": {
            "labels": [f"{day:%b %-d}" for day in days],
            "series": {
                outcome: [by_day[day][outcome] for day in days]
                for outcome in ("succeeded", "failed", "skipped")
            },
        },
    }


def overview() -> dict:
    snapshots = list(HealthSnapshot.objects.order_by("-taken_at")[:SNAPSHOTS])[::-1]
    latest = snapshots[-1] if snapshots else None
    report = (
        Report.objects.filter(kind=Report.Kind.SYSTEM, slug=latest.report_slug).first() if latest else None
    )
    findings: dict[str, list[dict]] = {family.label: [] for family in registry.Family}
    for row in latest.findings if latest else []:
        findings[registry.Family(row["family"]).label].append(row)
    monitors = list(Monitor.objects.all())
    jobs = [m for m in monitors if m.kind == Monitor.Kind.JOB]
    sources = [m for m in monitors if m.kind == Monitor.Kind.SOURCE]
    scores = []
    if latest:
        for key, label in (
            ("resilience", "Resilience index"),
            ("entropy", "Entropy delta"),
            ("coherence", "Coherence"),
        ):
            score = latest.scores.get(key, {})
            value = score.get("value")
            shown = (
                NOT_ENOUGH_DATA
                if value is None
                else f"{value:+,.0f}"
                if key == "entropy"
                else f"{value:,.1f}"
            )
            scores.append({"label": label, "shown": shown, "formula": score.get("formula", "")})
    return {
        "latest": latest,
        "report_url": reverse("admin:bizops_report_change", args=[report.pk]) if report else "",
        "scores": scores,
        "findings": findings,
        "jobs": jobs,
        "jobs_by_state": dict(Counter(m.get_state_display() for m in jobs)),
        "sources": sources,
        "sources_by_state": dict(Counter(m.get_state_display() for m in sources)),
        "chart": {
            "labels": [f"{timezone.localtime(s.taken_at):%Y-%m-%d}" for s in snapshots],
            # Floats only here, at the chart's edge.
            "series": {
                key: [s.scores.get(key, {}).get("value") for s in snapshots]
                for key in ("resilience", "entropy", "coherence")
            },
        },
    }
