"""How good past forecasts were: each run's months that have since ended, scored against the actuals.

For a figure over the ended, whole months t of a run (a partial month is never scored), with
A the actual and F the forecast:

    error         = A - F  per month
    WAPE          = sum |A - F| / sum |A|          (n/a when sum |A| is 0; survives small and zero
                                                    months, where MAPE does not)
    bias          = sum (F - A) / sum |A|          (positive: the forecast was too high)

The rolling-origin backtest (``rolling_origin``) re-calibrates at each origin
month O from the ``days`` days before it only, forecasts O, O+1, ... and
scores the months that have ended, beside the naive forecast (every month =
the actual of the month before O) as the yardstick; the scores pool every
(origin, month) pair.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import prefetch_related_objects

from finance import commerce
from finance.actuals import COUNTS, actual_vs_forecast, metrics_of, monthly_actuals, this_month
from finance.drivers import add_months
from finance.models import ForecastRun

PCT = Decimal("0.1")


@dataclass
class Score:
    """Sums behind WAPE and bias for one figure."""

    months: int = 0
    absolute_error: Decimal = Decimal(0)
    signed_error: Decimal = Decimal(0)  # sum of forecast - actual
    actual: Decimal = Decimal(0)

    def add(self, actual: Decimal, forecast: Decimal) -> None:
        self.months += 1
        self.absolute_error += abs(actual - forecast)
        self.signed_error += forecast - actual
        self.actual += abs(actual)

    @property
    def wape(self) -> Decimal | None:
        """Percent; None (n/a) without actuals."""
        if not self.months or not self.actual:
            return None
        return (self.absolute_error / self.actual * 100).quantize(PCT, rounding=ROUND_HALF_UP)

    @property
    def bias(self) -> Decimal | None:
        """Percent, positive when the forecast was too high; None (n/a) without actuals."""
        if not self.months or not self.actual:
            return None
        return (self.signed_error / self.actual * 100).quantize(PCT, rounding=ROUND_HALF_UP)


@dataclass
class RunScore:
    run: ForecastRun
    metrics: tuple[tuple[str, str], ...]
    scores: dict[str, Score] = field(default_factory=dict)
    months: list = field(default_factory=list)

    @property
    def scored_months(self) -> int:
        return max((s.months for s in self.scores.values()), default=0)


def score_run(run: ForecastRun, today: dt.date | None = None, actuals: dict | None = None) -> RunScore:
    """The run's whole, ended months scored figure by figure (partial months left out)."""
    metrics = metrics_of(run)
    result = RunScore(run, metrics, {key: Score() for key, _ in metrics})
    for month in actual_vs_forecast(run, today, actuals):
        if month.partial:
            continue
        result.months.append(month)
        for key, _ in metrics:
            value = month.metrics[key]
            if value.actual is not None:
                result.scores[key].add(value.actual, value.forecast)
    return result


def score_runs(runs, today: dt.date | None = None) -> list[RunScore]:
    """The runs that have at least one whole ended month, scored, in the order given.

    The actuals are read once for all of them (two queries), the runs' months in one more.
    """
    current = this_month(today)
    runs = [run for run in runs if run.assumption_set.start_month < current]
    if not runs:
        return []
    prefetch_related_objects(runs, "months")
    start = min(run.assumption_set.start_month for run in runs)
    actuals = monthly_actuals(start, add_months(current, 1), returning=True)
    scored = []
    for run in runs:
        score = score_run(run, today, actuals)
        if score.scored_months:
            scored.append(score)
    return scored


@dataclass
class ScenarioScore:
    """Every scored run of one scenario pooled: the sums of all their (run, month) pairs."""

    scenario: str
    metrics: tuple[tuple[str, str], ...]
    runs: int = 0
    scores: dict[str, Score] = field(default_factory=dict)

    @property
    def scored_months(self) -> int:
        return max((s.months for s in self.scores.values()), default=0)


def by_scenario(scores: list[RunScore]) -> list[ScenarioScore]:
    """Pool the run scores of each scenario (and revenue model), in first-seen order."""
    pooled: dict[tuple[str, str], ScenarioScore] = {}
    for score in scores:
        key = (score.run.scenario_name, score.run.revenue_model)
        entry = pooled.setdefault(
            key, ScenarioScore(key[0], score.metrics, scores={k: Score() for k, _ in score.metrics})
        )
        entry.runs += 1
        for name, part in score.scores.items():
            total = entry.scores[name]
            total.months += part.months
            total.absolute_error += part.absolute_error
            total.signed_error += part.signed_error
            total.actual += part.actual
    return list(pooled.values())


def backtest_runs(limit: int = 30, today: dt.date | None = None) -> list[RunScore]:
    """The newest ``limit`` runs that started before this month, scored."""
    runs = (
        ForecastRun.objects.filter(assumption_set__start_month__lt=this_month(today))
        .select_related("assumption_set")
        .order_by("-created_at", "-id")[:limit]
    )
    return score_runs(runs, today)


@dataclass
class OriginResult:
    origin: dt.date
    months: int
    kept: list[str]


@dataclass
class RollingBacktest:
    metrics: tuple[tuple[str, str], ...]
    model: dict[str, Score]
    naive: dict[str, Score]
    origins: list[OriginResult]


def _actual(actual, key: str) -> Decimal:
    return Decimal(getattr(actual, key))


def rolling_origin(
    first_origin: dt.date,
    *,
    typed: dict,
    days: int = 90,
    horizon: int = 3,
    today: dt.date | None = None,
) -> RollingBacktest:
    """Calibrate before each origin from ``first_origin`` on, forecast ``horizon`` months, score them."""
    from finance.calibration import calibrate, commerce_drivers_from

    current = this_month(today)
    metrics = metrics_of(ForecastRun(revenue_model="commerce"))
    model = {key: Score() for key, _ in metrics}
    naive = {key: Score() for key, _ in metrics}
    origins = []
    actuals = monthly_actuals(add_months(first_origin, -1), current, returning=True)

    def whole(month: dt.date):
        actual = actuals.get(month)
        days_in = (add_months(month, 1) - month).days
        return actual if actual and actual.days == days_in else None

    origin = first_origin
    while origin < current:
        calibration = calibrate(until=origin - dt.timedelta(days=1), days=days, typed=typed)
        drivers = commerce_drivers_from(calibration, typed).with_values(horizon_months=horizon)
        months = commerce.project(drivers)
        yardstick = whole(add_months(origin, -1))
        scored = 0
        for month in months:
            actual = whole(month.period)
            if month.period >= current or actual is None:
                continue
            scored += 1
            for key, _ in metrics:
                value = _actual(actual, key)
                model[key].add(value, Decimal(getattr(month, key)))
                if yardstick is not None:
                    naive[key].add(value, _actual(yardstick, key))
        origins.append(OriginResult(origin, scored, calibration.kept))
        origin = add_months(origin, 1)
    return RollingBacktest(metrics, model, naive, origins)


def is_count(key: str) -> bool:
    return key in COUNTS
