"""The health sweep: every job, data source and registered check, scored for a week.

``run_sweep`` reads rows only (and records state flips); ``health.report``
stores the snapshot, writes the weekly report and keeps the backlog in step.
Job and source rules are in ``health.watch``, the scores' formulas in
``health.scores``, the checks' families in ``health.registry``.
"""

import logging
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from health import families, registry, scores, signals_out
from health.abandoned import abandon_stuck, mark_abandoned
from health.jobs import current_run
from health.models import HealthSnapshot, Monitor
from health.registry import Family, Finding, Problem, Severity
from health.watch import JobReport, SourceReport, judge_jobs, judge_sources, record_states

logger = logging.getLogger(__name__)


@dataclass
class Sweep:
    start: datetime
    end: datetime
    jobs: list[JobReport] = field(default_factory=list)
    sources: list[SourceReport] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    problems: dict[str, int] = field(default_factory=dict)
    promises: dict[str, tuple[int, int]] = field(default_factory=dict)
    resilience: scores.Score | None = None
    entropy: scores.Score | None = None
    coherence: scores.Score | None = None
    abandoned: int = 0

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == Severity.ERROR]

    @property
    def score(self) -> float | None:
        """The headline number: the resilience index."""
        return self.resilience.value if self.resilience else None

    def by_family(self) -> dict[Family, list[Finding]]:
        grouped: dict[Family, list[Finding]] = {family: [] for family in Family}
        for finding in self.findings:
            grouped[Family(finding.family)].append(finding)
        return grouped

    def jobs_by_state(self) -> dict[str, int]:
        return dict(Counter(job.state for job in self.jobs))

    def sources_by_state(self) -> dict[str, int]:
        return dict(Counter(source.state for source in self.sources))


def run_sweep(days: int = 7) -> Sweep:
    end = timezone.now()
    abandoned = mark_abandoned()
    stuck = abandon_stuck(end)
    sweep = Sweep(
        start=end - timedelta(days=days), end=end, abandoned=abandoned + sum(map(len, stuck.values()))
    )
    sweep.jobs = judge_jobs(sweep.start, end, stuck=stuck)
    running = current_run()
    for job in sweep.jobs:
        if running and running.run.job == job.spec.name and job.state != Monitor.State.PAUSED:
            # The sweep's own run is in progress: it is on time by definition.
            job.state, job.reason = Monitor.State.UP, ""
            for slot in job.matched.slots[-1:]:
                if slot.outcome in ("pending", "missed"):
                    slot.outcome, slot.started = "on_time", running.run.started_at
    sweep.sources = judge_sources(end)
    record_states(
        Monitor.Kind.JOB,
        {j.spec.name: (j.state, j.reason) for j in sweep.jobs},
        end,
        signals_out.job_announcer({j.spec.name: j for j in sweep.jobs}, end),
    )
    record_states(
        Monitor.Kind.SOURCE,
        {s.spec.name: (s.state, s.reason) for s in sweep.sources},
        end,
        signals_out.source_announcer({s.spec.name: s for s in sweep.sources}, end),
    )

    for job in sweep.jobs:
        sweep.findings += families.job_findings(job)
    for source in sweep.sources:
        sweep.findings += families.source_findings(source)
    for check in registry.check_specs():
        for finding in check.fn():
            if finding.family == Family.RESILIENCE and check.family != Family.RESILIENCE:
                finding = _in_family(finding, check.family)
            sweep.findings.append(finding)

    previous = HealthSnapshot.objects.order_by("-taken_at").first()
    sweep.problems = _problems(sweep, previous)
    sweep.promises = {name: fn() for name, fn in registry.promises().items()}
    sweep.resilience = _resilience(sweep)
    sweep.entropy = scores.entropy_delta(sweep.problems, previous.problems if previous else None)
    sweep.coherence = scores.coherence(sweep.promises)
    return sweep


def _in_family(finding: Finding, family: Family) -> Finding:
    return replace(finding, family=family)


def _problems(sweep: Sweep, previous: HealthSnapshot | None) -> dict[str, int]:
    before = {f["key"] for f in previous.findings} if previous else set()
    counts = {
        "failing or late jobs": sum(job.state in ("down", "late") for job in sweep.jobs),
        "stale sources": sum(source.state == "stale" for source in sweep.sources),
    }
    for name, fn in registry.problem_counts().items():
        counts[name] = fn()
    # Jobs, sources, flags, tickets and experiments are counted above by kind: only the
    # other findings count here, so no problem is counted twice.
    counts["findings left open"] = sum(
        f.ident in before for f in sweep.findings if f.problem == Problem.OTHER
    )
    return counts


def _resilience(sweep: Sweep) -> scores.Score:
    recoveries = [r for job in sweep.jobs for r in job.recoveries]
    return scores.resilience_index(
        succeeded=sum(j.succeeded for j in sweep.jobs),
        failed=sum(j.failed for j in sweep.jobs),
        expected=sum(j.matched.due for j in sweep.jobs),
        on_time=sum(j.matched.count("on_time") for j in sweep.jobs),
        missed=sum(j.matched.count("missed") for j in sweep.jobs),
        fresh=sum(s.state == "fresh" for s in sweep.sources),
        late_sources=sum(s.state == "late" for s in sweep.sources),
        # A source with no data yet has nothing to be fresh about: "no data", not 0 (its finding stays).
        sources=sum(s.newest is not None for s in sweep.sources),
        mttr=scores.mean_time_to_recovery(recoveries),
        mttr_target=timedelta(hours=settings.HEALTH_MTTR_TARGET_HOURS),
        weights=settings.HEALTH_RESILIENCE_WEIGHTS,
    )
