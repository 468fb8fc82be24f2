"""What other apps may read of flags' data: flags, experiments and their results."""

from django.db.models import QuerySet

from flags.models import Experiment, ExperimentResult, Flag


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
