"""What finance tells health: forecasts kept up with the latest assumptions (coherence)."""

from django.db.models import OuterRef, Subquery

from finance.models import ForecastRun, Scenario
from health.registry import register_promise


@register_promise("forecasts no older than their assumptions")
def forecasts_current() -> tuple[int, int]:
    """Active scenarios whose newest forecast run used the scenario's current assumption set."""
    newest = ForecastRun.objects.filter(scenario=OuterRef("pk")).order_by("-created_at", "-id")
    scenarios = Scenario.objects.filter(active=True).annotate(
        run_set=Subquery(newest.values("assumption_set_id")[:1])
    )
    rows = list(scenarios.values_list("assumption_set_id", "run_set"))
    return sum(current == used for current, used in rows), len(rows)
