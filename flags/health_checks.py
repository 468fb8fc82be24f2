"""What flags tells health about its own data: stale and ownerless flags, experiments
without a decision or past their time, and the promises between experiments and flags.

Registered from ``flags/health.py``; health runs and scores them. An experiment
"runs past its end" when it has run longer than FLAGS_EXPERIMENT_MAX_DAYS.
"""

from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from flags import events
from flags.models import Experiment, Flag
from health.registry import (
    Family,
    Finding,
    Problem,
    Severity,
    register_check,
    register_problem_count,
    register_promise,
)

OWNER = "group:Growth"
RUNNING = Experiment.Status.RUNNING


def _flag_links(flags) -> tuple[tuple[str, str], ...]:
    return tuple((f.key, reverse("admin:flags_flag_change", args=[f.pk])) for f in flags[:10])


def _experiment_links(experiments) -> tuple[tuple[str, str], ...]:
    return tuple((e.key, reverse("admin:flags_experiment_change", args=[e.pk])) for e in experiments[:10])


def _overdue_experiments():
    past_end = Q(started_at__lt=timezone.now() - timedelta(days=settings.FLAGS_EXPERIMENT_MAX_DAYS))
    return Experiment.objects.filter(status=RUNNING).filter(past_end | Q(analysis__srm_flagged=True))


@register_check("flags:stale", Family.FEEDBACK)
def stale_flags() -> list[Finding]:
    stale = list(Flag.objects.stale().select_related("owner").order_by("key"))
    events.announce_stale(stale)
    if not stale:
        return []
    return [
        Finding(
            "flags:stale",
            Severity.WARNING,
            f"{len(stale):,} stale flag(s) (past their lifetime, uniform or unused) still in the code",
            "remove each from the code and archive it; keep only the winner's value",
            family=Family.FEEDBACK,
            owner=next((f.owner.username for f in stale if f.owner), OWNER),
            evidence=_flag_links(stale),
            reach=len(stale),
            kpi="stale flags",
            signal_30d="no flag stale for more than a week",
            problem=Problem.FLAG,
        )
    ]


@register_check("flags:ownerless", Family.ALIGNMENT)
def ownerless() -> list[Finding]:
    flags = list(Flag.objects.filter(owner=None).order_by("key"))
    experiments = list(Experiment.objects.filter(owner=None).exclude(status=Experiment.Status.DECIDED))
    if not flags and not experiments:
        return []
    return [
        Finding(
            "flags:ownerless",
            Severity.WARNING,
            f"{len(flags):,} flag(s) and {len(experiments):,} open experiment(s) have no owner",
            "give each an owner under Flags (owner field)",
            family=Family.ALIGNMENT,
            owner=OWNER,
            evidence=_flag_links(flags) + _experiment_links(experiments),
            reach=len(flags) + len(experiments),
            kpi="flags and experiments without an owner",
            signal_30d="every flag and open experiment has an owner",
        )
    ]


@register_check("flags:experiments", Family.FEEDBACK)
def experiments_without_decision() -> list[Finding]:
    """Experiment -> decision: stopped without a decision, or running past their end or with SRM."""
    findings = []
    undecided = list(Experiment.objects.filter(status=Experiment.Status.STOPPED).order_by("key"))
    if undecided:
        findings.append(
            Finding(
                "flags:undecided",
                Severity.WARNING,
                f"{len(undecided):,} stopped experiment(s) have no decision recorded",
                "record ship, iterate or kill with the reasoning, then clean up the flag",
                family=Family.FEEDBACK,
                owner=next((e.owner.username for e in undecided if e.owner), OWNER),
                evidence=_experiment_links(undecided),
                reach=len(undecided),
                kpi="experiments stopped without a decision",
                signal_30d="every stopped experiment decided within a week",
            )
        )
    overdue = list(_overdue_experiments().order_by("key"))
    if overdue:
        findings.append(
            Finding(
                "flags:overdue-experiments",
                Severity.ERROR,
                f"{len(overdue):,} running experiment(s) past their end or with a sample ratio mismatch",
                "stop and decide the ones past their end; fix the assignment of those with SRM and restart",
                family=Family.FEEDBACK,
                owner=OWNER,
                evidence=_experiment_links(overdue),
                reach=len(overdue),
                kpi="running experiments past their end or with SRM",
                signal_30d="none",
                problem=Problem.EXPERIMENT,
            )
        )
    return findings


@register_problem_count("stale flags")
def count_stale_flags() -> int:
    return Flag.objects.stale().count()


@register_problem_count("experiments past their end or with SRM")
def count_overdue_experiments() -> int:
    return _overdue_experiments().count()


@register_promise("running experiments whose flag exists and is on")
def experiments_on_their_flag() -> tuple[int, int]:
    running = Experiment.objects.filter(status=RUNNING)
    return running.filter(flag__enabled=True).count(), running.count()


@register_promise("flags with an owner")
def flags_with_owners() -> tuple[int, int]:
    return Flag.objects.exclude(owner=None).count(), Flag.objects.count()
