"""What other apps may read of flags' data: flags, experiments and their results, and the
conversions tracked (which metrics, and one metric's rate among exposed users)."""

from datetime import datetime

from django.db.models import Count, QuerySet

from flags.models import Conversion, Experiment, ExperimentResult, Exposure, Flag


def flags(*, stale: bool = False) -> QuerySet[Flag]:
    """Every flag by key; only the stale ones (``Flag.stale_reasons``) when ``stale``."""
    found = Flag.objects.stale() if stale else Flag.objects.all()
    return found.order_by("key")


def experiments(*statuses: str) -> QuerySet[Experiment]:
    """Experiments by key, with their analysis; only those in ``statuses`` when given."""
    found = Experiment.objects.select_related("flag", "analysis")
    if statuses:
        found = found.filter(status__in=statuses)
    return found.order_by("key")


def results(experiment: Experiment) -> QuerySet[ExperimentResult]:
    """The experiment's result rows (one per metric and variant), control first."""
    return experiment.results.order_by("metric", "position", "variant")


def tracked_metrics(start: datetime, end: datetime) -> dict[str, int]:
    """Each conversion metric tracked in [start, end) with its number of conversions, by name."""
    rows = (
        Conversion.objects.filter(occurred_at__gte=start, occurred_at__lt=end)
        .values("metric")
        .annotate(n=Count("id"))
        .order_by("metric")
    )
    return {row["metric"]: row["n"] for row in rows}


def metric_rate(metric: str, start: datetime, end: datetime) -> tuple[int, int]:
    """(users exposed to any experiment in [start, end), those of them with a ``metric``
    conversion in the same window): the metric's rate among exposed users is the second over
    the first."""
    exposed = Exposure.objects.filter(exposed_at__gte=start, exposed_at__lt=end).values("user_key")
    users = exposed.distinct().count()
    converted = (
        Conversion.objects.filter(
            metric=metric, occurred_at__gte=start, occurred_at__lt=end, user_key__in=exposed
        )
        .values("user_key")
        .distinct()
        .count()
    )
    return users, converted
