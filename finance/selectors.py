"""What other apps may read of finance's data: the latest forecast of each scenario."""

from finance.models import ForecastRun, Scenario


def latest_forecasts(scenarios=None) -> list[ForecastRun]:
    """The newest run of each active scenario (or of ``scenarios``), in scenario order."""
    scenarios = list(scenarios if scenarios is not None else Scenario.objects.filter(active=True))
    runs = []
    for scenario in scenarios:
        run = scenario.runs.select_related("assumption_set").order_by("-created_at", "-id").first()
        if run:
            runs.append(run)
    return runs
