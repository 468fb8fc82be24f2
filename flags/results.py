"""An experiment's results per variant and metric, recomputed from exposures and conversions.

A user converts on a metric when they have a conversion of it at or after
their first exposure (and before the experiment ended). The first variant is
the control; each other variant is compared with it (``flags.stats``).
"""

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, QuerySet
from django.utils import timezone

from bizops.events.flips import became
from flags import orders, stats
from flags.models import Conversion, Experiment, ExperimentAnalysis, ExperimentResult, Exposure

Verdict = ExperimentAnalysis.Verdict


def _decimal(value: float | None) -> Decimal | None:
    if value is None:
        return None
    return Decimal(repr(value)).quantize(Decimal("1e-12"))


def counts(experiment: Experiment, metric: str) -> tuple[dict[str, int], dict[str, int]]:
    """(users, converted users) per variant."""
    exposures = Exposure.objects.filter(experiment=experiment)
    users = dict(exposures.values_list("variant").annotate(n=Count("id")).values_list("variant", "n"))
    converted = Conversion.objects.filter(
        metric=metric, user_key=OuterRef("user_key"), occurred_at__gte=OuterRef("exposed_at")
    )
    if experiment.ended_at:
        converted = converted.filter(occurred_at__lte=experiment.ended_at)
    conversions = dict(
        exposures.filter(Exists(converted))
        .values_list("variant")
        .annotate(n=Count("id"))
        .values_list("variant", "n")
    )
    return users, conversions


def metric_rows(experiment: Experiment, metric: str) -> list[ExperimentResult]:
    users, conversions = counts(experiment, metric)
    keys = experiment.variant_keys
    control = keys[0]
    control_problem = stats.rate_problem(conversions.get(control, 0), users.get(control, 0))
    rows = []
    for position, key in enumerate(keys):
        n, c = users.get(key, 0), conversions.get(key, 0)
        row = ExperimentResult(
            experiment=experiment,
            metric=metric,
            variant=key,
            position=position,
            users=n,
            conversions=c,
            rate=_decimal(c / n) if n else None,
        )
        problem = stats.rate_problem(c, n)
        if not position:
            row.note = f"{key}: {control_problem}" if control_problem else ""
        elif control_problem or problem:
            # No lift, interval nor p-value: gbstats refuses an arm without variance too.
            row.note = "; ".join(
                f"{arm}: {why}" for arm, why in ((control, control_problem), (key, problem)) if why
            )
        else:
            comparison = stats.compare_rates(
                conversions.get(control, 0), users.get(control, 0), c, n, settings.FLAGS_ALPHA
            )
            if comparison is not None:
                row.lift = _decimal(comparison.lift)
                row.ci_low = _decimal(comparison.ci_low)
                row.ci_high = _decimal(comparison.ci_high)
                row.p_value = _decimal(comparison.p_value)
        rows.append(row)
    return rows


def _significant(row: ExperimentResult) -> bool:
    return row.p_value is not None and row.p_value < Decimal(repr(settings.FLAGS_ALPHA))


def _harmful(row: ExperimentResult, higher_is_better: set[str]) -> bool:
    if not row.position or not _significant(row):
        return False
    return row.lift < 0 if row.metric in higher_is_better else row.lift > 0


def verdict(
    primary: list[ExperimentResult],
    guardrails: list[ExperimentResult],
    srm_flagged: bool,
    higher_is_better: set[str] = frozenset(),
):
    control, variants = primary[0], primary[1:]
    short = [
        r.variant
        for r in variants
        if min(r.users, control.users) < settings.FLAGS_MIN_USERS_PER_VARIANT
        or r.conversions + control.conversions < settings.FLAGS_MIN_CONVERSIONS
    ]
    if short or not variants:
        return Verdict.NOT_ENOUGH_DATA, (
            f"each variant needs {settings.FLAGS_MIN_USERS_PER_VARIANT} users and each comparison "
            f"{settings.FLAGS_MIN_CONVERSIONS} conversions (control plus variant) before a verdict"
        )
    untestable = [r for r in variants if r.note]
    if untestable:
        return Verdict.NO_RESULT, f"on {control.metric}, " + "; ".join(
            dict.fromkeys(r.note for r in untestable)
        )
    if srm_flagged:
        return Verdict.SRM, "users are not split as the weights say: results are not trustworthy"
    hurt = [r for r in guardrails if _harmful(r, higher_is_better)]
    if hurt:
        names = ", ".join(f"{r.metric} ({r.variant}: {float(r.lift):+.1%})" for r in hurt)
        return Verdict.GUARDRAIL, f"guardrail metrics got worse: {names}"
    significant = [r for r in variants if _significant(r)]
    if not significant:
        return (
            Verdict.INCONCLUSIVE,
            f"no variant differs from {control.variant} at the {settings.FLAGS_ALPHA} level",
        )
    best = max(significant, key=lambda r: r.lift)
    if best.lift > 0:
        return (
            Verdict.WINNING,
            f"{best.variant} lifts {primary[0].metric} by {float(best.lift):+.1%} (p = {best.p_value:.4f})",
        )
    worst = min(significant, key=lambda r: r.lift)
    return (
        Verdict.LOSING,
        f"{worst.variant} lowers {primary[0].metric} by {float(worst.lift):+.1%} (p = {worst.p_value:.4f})",
    )


def recompute(experiment: Experiment) -> ExperimentAnalysis:
    """Replace the experiment's results and analysis; running it twice gives the same rows."""
    if len(experiment.variants) < 2:
        raise ValueError(f"experiment {experiment.key} has no variants to compare")
    primary = metric_rows(experiment, experiment.primary_metric)
    guardrails = [
        row for metric in experiment.guardrail_metrics for row in metric_rows(experiment, metric.lstrip("+"))
    ]
    srm = stats.srm_p_value([row.users for row in primary], experiment.weights)
    srm_flagged = srm is not None and srm < settings.FLAGS_SRM_THRESHOLD
    higher_is_better = {m[1:] for m in experiment.guardrail_metrics if m.startswith("+")}
    outcome, reason = verdict(primary, guardrails, srm_flagged, higher_is_better)
    with transaction.atomic():
        was = (
            ExperimentAnalysis.objects.filter(experiment=experiment)
            .values_list("srm_flagged", "verdict")
            .first()
        )
        ExperimentResult.objects.filter(experiment=experiment).delete()
        ExperimentResult.objects.bulk_create(primary + guardrails)
        analysis, _ = ExperimentAnalysis.objects.update_or_create(
            experiment=experiment,
            defaults={
                "computed_at": timezone.now(),
                "users": sum(row.users for row in primary),
                "srm_p_value": _decimal(srm),
                "srm_flagged": srm_flagged,
                "verdict": outcome,
                "verdict_reason": reason,
            },
        )
        key, reached = experiment.key, outcome != Verdict.NOT_ENOUGH_DATA
        became(
            bool(was and was[0]),
            srm_flagged,
            "experiment.srm_detected",
            {"experiment": key, "srm_p_value": _decimal(srm), "threshold": settings.FLAGS_SRM_THRESHOLD},
        )
        became(
            bool(was and was[1] != Verdict.NOT_ENOUGH_DATA),
            reached,
            "experiment.sample_reached",
            {"experiment": key, "users": analysis.users, "conversions": sum(r.conversions for r in primary)},
        )
    return analysis


# An ended experiment's results are still recomputed for a week: late orders and refunds.
RECENT_DAYS = 7


def computable(experiments: QuerySet[Experiment]) -> QuerySet[Experiment]:
    """The experiments of ``experiments`` that have results to compute: started, with variants."""
    return experiments.exclude(variants=[]).exclude(started_at=None)


def due(experiment_id: int | None = None) -> list[Experiment]:
    """The experiment ``experiment_id``, or every running one and those ended in the last week."""
    experiments = computable(Experiment.objects.all())
    if experiment_id is not None:
        experiments = experiments.filter(pk=experiment_id)
    else:
        recent = timezone.now() - timedelta(days=RECENT_DAYS)
        experiments = experiments.filter(status=Experiment.Status.RUNNING) | experiments.filter(
            ended_at__gte=recent
        )
    return list(experiments.distinct().order_by("pk"))


def recompute_due(
    experiment_id: int | None = None,
    on_progress: Callable[[int, int, Experiment, ExperimentAnalysis], None] | None = None,
) -> dict:
    """Purchases from orders, then the results of the experiments ``due`` returns.

    ``on_progress(done, total, experiment, analysis)`` follows each experiment; returns
    how many experiments were recomputed and how many rows were written.
    """
    experiments = due(experiment_id)
    written = 0
    if experiments:
        written += orders.sync_purchases(min(e.started_at for e in experiments))
    for done, experiment in enumerate(experiments, start=1):
        analysis = recompute(experiment)
        written += 1
        if on_progress is not None:
            on_progress(done, len(experiments), experiment, analysis)
    return {"experiments": len(experiments), "rows_written": written}


def chart_data(experiment: Experiment) -> dict:
    """Per variant on the primary metric: rate, lift and its interval (for the admin chart)."""
    rows = list(experiment.results.filter(metric=experiment.primary_metric).order_by("position"))
    return {
        "metric": experiment.primary_metric,
        "variants": [r.variant for r in rows],
        "users": [r.users for r in rows],
        "rates": [float(r.rate) if r.rate is not None else None for r in rows],
        "lifts": [float(r.lift) if r.lift is not None else None for r in rows],
        "ci": [[float(r.ci_low), float(r.ci_high)] if r.ci_low is not None else None for r in rows],
    }
