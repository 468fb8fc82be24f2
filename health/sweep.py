"""The health sweep: how every registered job has fared, and what to fix.

For a window (default the last 7 days) it reads the job run history and the
registered checks, and writes one ``Report`` (kind ``health``). Figures:

- on-time share = registered jobs whose last success is within their interval
  plus grace / registered jobs;
- success rate = succeeded runs / (succeeded + failed runs) in the window
  (skipped runs are neither: another run held the lock; abandoned runs, whose
  process died, count as failed). Runs left "running" by a dead process are
  marked abandoned first (``health.abandoned.mark_abandoned``);
- score = 100 x on-time share x success rate, rounded; "n/a" with no runs.
"""

import math
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone

from bizops.core.models import Report
from health import registry
from health.abandoned import mark_abandoned
from health.jobs import current_run
from health.models import JobRun
from health.registry import Finding, Severity

FAILURES = [JobRun.Status.FAILED, JobRun.Status.ABANDONED]


@dataclass
class JobHealth:
    spec: registry.JobSpec
    last_success: object = None
    succeeded: int = 0
    failed: int = 0
    skipped: int = 0
    p95_seconds: float | None = None
    last_error: str = ""

    @property
    def overdue(self) -> bool:
        return (
            self.last_success is None
            or self.last_success < timezone.now() - self.spec.every - self.spec.grace
        )


@dataclass
class Sweep:
    start: object
    end: object
    jobs: list[JobHealth] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def on_time_share(self) -> float | None:
        return sum(not j.overdue for j in self.jobs) / len(self.jobs) if self.jobs else None

    @property
    def success_rate(self) -> float | None:
        finished = sum(j.succeeded + j.failed for j in self.jobs)
        return sum(j.succeeded for j in self.jobs) / finished if finished else None

    @property
    def score(self) -> int | None:
        if self.on_time_share is None or self.success_rate is None:
            return None
        return round(100 * self.on_time_share * self.success_rate)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == Severity.ERROR]


def _p95(durations: list[timedelta]) -> float | None:
    if not durations:
        return None
    ordered = sorted(d.total_seconds() for d in durations)
    return ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]


def run_sweep(days: int = 7) -> Sweep:
    mark_abandoned()
    end = timezone.now()
    sweep = Sweep(start=end - timedelta(days=days), end=end)
    specs = registry.jobs()
    names = [s.name for s in specs]
    window = JobRun.objects.for_jobs(names).started_since(sweep.start)
    counts = {
        row["job"]: row
        for row in window.values("job").annotate(
            succeeded=Count("id", filter=Q(status=JobRun.Status.SUCCEEDED)),
            failed=Count("id", filter=Q(status__in=FAILURES)),
            skipped=Count("id", filter=Q(status=JobRun.Status.SKIPPED)),
        )
    }
    last_success = {
        job: outcome.last_success
        for job, outcome in JobRun.objects.last_outcomes(names).items()
        if outcome.last_success
    }
    durations: dict[str, list[timedelta]] = {}
    for job, duration in window.filter(status=JobRun.Status.SUCCEEDED).values_list("job", "duration"):
        durations.setdefault(job, []).append(duration)
    last_errors = {}
    for job, error in window.filter(status__in=FAILURES).order_by("started_at").values_list("job", "error"):
        last_errors[job] = error

    running = current_run()
    for spec in specs:
        if running and running.run.job == spec.name:
            # The sweep's own run is in progress: it is on time by definition.
            last_success.setdefault(spec.name, running.run.started_at)
        row = counts.get(spec.name, {})
        health = JobHealth(
            spec=spec,
            last_success=last_success.get(spec.name),
            succeeded=row.get("succeeded", 0),
            failed=row.get("failed", 0),
            skipped=row.get("skipped", 0),
            p95_seconds=_p95(durations.get(spec.name, [])),
            last_error=last_errors.get(spec.name, ""),
        )
        sweep.jobs.append(health)
        sweep.findings += _job_findings(health)

    stuck_after = end - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    for run in JobRun.objects.running().started_before(stuck_after):
        sweep.findings.append(
            Finding(
                f"job:{run.job}",
                Severity.ERROR,
                f"run {run.pk} has been 'running' since {timezone.localtime(run.started_at):%Y-%m-%d %H:%M}, "
                "longer than any task may run",
                "its process still holds the job's lock, so it may be hung; check the worker log and stop it",
            )
        )
    for check in registry.checks().values():
        sweep.findings += check()
    return sweep


def _job_findings(health: JobHealth) -> list[Finding]:
    name = f"job:{health.spec.name}"
    findings = []
    if health.overdue:
        when = (
            f"last success {timezone.localtime(health.last_success):%Y-%m-%d %H:%M}"
            if health.last_success
            else "never succeeded"
        )
        findings.append(
            Finding(
                name,
                Severity.ERROR,
                f"overdue: {when}; expected every {_interval(health.spec.every)}",
                "check the beat schedule (Periodic tasks) and the worker; run the job by hand",
            )
        )
    if health.failed:
        findings.append(
            Finding(
                name,
                Severity.WARNING,
                f"{health.failed} failed run(s); last error: {health.last_error or '(none)'}",
                "open the job's runs in the admin (Health > Job runs)",
            )
        )
    return findings


def _interval(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    if hours >= 24 and hours % 24 == 0:
        days = int(hours // 24)
        return f"{days} day" if days == 1 else f"{days} days"
    return f"{hours:g} h"


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.0f}%"


def render(sweep: Sweep) -> str:
    lines = [
        f"# Health, {timezone.localtime(sweep.start):%Y-%m-%d} to {timezone.localtime(sweep.end):%Y-%m-%d}",
        "",
        f"**Score: {'n/a' if sweep.score is None else sweep.score}** "
        f"(100 x on-time share {_percent(sweep.on_time_share)} "
        f"x success rate {_percent(sweep.success_rate)})",
        "",
        "On-time share: registered jobs whose last success is within their interval plus grace. "
        "Success rate: succeeded / (succeeded + failed) runs in the window; skipped runs are not counted, "
        "abandoned runs (their process died) count as failed.",
        "",
        "## Jobs",
        "",
        "| job | expected every | last success | succeeded | failed | skipped | p95 duration |",
        "|---|---|---|---|---|---|---|",
    ]
    for job in sweep.jobs:
        last = f"{timezone.localtime(job.last_success):%Y-%m-%d %H:%M}" if job.last_success else "never"
        p95 = "n/a" if job.p95_seconds is None else f"{job.p95_seconds:.1f} s"
        lines.append(
            f"| {job.spec.name} | {_interval(job.spec.every)} | {last} | {job.succeeded} | {job.failed} "
            f"| {job.skipped} | {p95} |"
        )
    lines += ["", "## Findings", ""]
    if not sweep.findings:
        lines.append("Nothing to fix.")
    for finding in sorted(sweep.findings, key=lambda f: (f.severity != Severity.ERROR, f.check)):
        fix = f" Fix: {finding.fix}." if finding.fix else ""
        lines.append(f"- **{finding.severity}** {finding.check}: {finding.message}.{fix}")
    return "\n".join(lines) + "\n"


def write_report(sweep: Sweep, produced_by: str = "health.weekly_sweep") -> Report:
    """Idempotent per day: a second sweep the same day replaces the first report."""
    end_day = timezone.localdate(sweep.end)
    figures = {
        "score": sweep.score,
        "on_time_share": sweep.on_time_share,
        "success_rate": sweep.success_rate,
        "errors": len(sweep.errors),
        "jobs": {
            j.spec.name: {
                "succeeded": j.succeeded,
                "failed": j.failed,
                "skipped": j.skipped,
                "overdue": j.overdue,
                "p95_seconds": j.p95_seconds,
            }
            for j in sweep.jobs
        },
    }
    report, _ = Report.objects.update_or_create(
        kind=Report.Kind.HEALTH,
        slug=f"health-{end_day:%Y-%m-%d}",
        defaults={
            "title": f"Health sweep {end_day:%Y-%m-%d}",
            "period_start": timezone.localdate(sweep.start),
            "period_end": end_day,
            "body": render(sweep),
            "figures": figures,
            "produced_by": produced_by,
            "created_at": timezone.now(),
        },
    )
    return report
