"""The three health scores: pure functions of counts, each formula written here and in the report.

None of them makes up a number: a component without data is left out (and
named), and a score with no data at all is ``None``, shown as "not enough data".

Resilience index (0-100), for a week:

    components (each 0..1, None without data):
      success   = succeeded runs / (succeeded + failed + abandoned runs)
      on_time   = expected runs started within grace / expected runs due
      freshness = (fresh sources + 0.5 x late sources) / sources with any data
      recovery  = max(0, 1 - MTTR / HEALTH_MTTR_TARGET_HOURS), MTTR = mean time to recovery
                  (first failed run after a success -> end of the next successful run)
      missed    = 1 - missed runs / expected runs due
    index = 100 x sum(w_c x c) / sum(w_c), over the components with data,
    weights w from HEALTH_RESILIENCE_WEIGHTS.

Entropy delta, this week against last:

    delta = sum(open problems now) - sum(open problems at the previous snapshot)
    open problems = failing or late jobs + stale sources + stale flags + overdue P0/P1
    tickets + experiments past their end or with SRM + other findings left open since last week.
    Positive means the system is degrading; None without a previous snapshot.

Coherence score (0-100):

    100 x sum(promises kept) / sum(promises checked), over the cross-app promises
    (experiments whose flag exists and is on; flags and tickets with owners; metrics runs
    started after the night's pulls ended; ticket KPIs the metrics compute; forecasts no
    older than the latest assumptions).
"""

from dataclasses import dataclass, field
from datetime import timedelta

NOT_ENOUGH_DATA = "not enough data"


@dataclass(frozen=True)
class Score:
    value: float | None
    formula: str
    components: dict[str, float | None] = field(default_factory=dict)
    missing: tuple[str, ...] = ()
    weights: dict[str, float] = field(default_factory=dict)

    @property
    def shown(self) -> str:
        if self.value is None:
            return NOT_ENOUGH_DATA
        return f"{self.value:+,.0f}" if "delta" in self.formula else f"{self.value:,.1f}"

    def as_dict(self) -> dict:
        return {
            "value": self.value,
            "formula": self.formula,
            "components": self.components,
            "missing": list(self.missing),
            "weights": self.weights,
        }


def ratio(part: float, whole: float) -> float | None:
    return None if not whole else part / whole


def mean_time_to_recovery(recoveries: list[timedelta]) -> timedelta | None:
    """Mean of the recovery times; None when nothing failed and recovered."""
    if not recoveries:
        return None
    return sum(recoveries, timedelta()) / len(recoveries)


RESILIENCE_FORMULA = "100 x sum(w x component) / sum(w) over components with data"


def resilience_index(
    *,
    succeeded: int,
    failed: int,
    expected: int,
    on_time: int,
    missed: int,
    fresh: int,
    late_sources: int,
    sources: int,
    mttr: timedelta | None,
    mttr_target: timedelta,
    weights: dict[str, float],
) -> Score:
    components = {
        "success": ratio(succeeded, succeeded + failed),
        "on_time": ratio(on_time, expected),
        "freshness": ratio(fresh + 0.5 * late_sources, sources),
        "recovery": None if mttr is None else max(0.0, 1 - mttr / mttr_target),
        "missed": None if not expected else 1 - missed / expected,
    }
    have = {k: v for k, v in components.items() if v is not None and weights.get(k)}
    missing = tuple(k for k in components if k not in have)
    total = sum(weights[k] for k in have)
    value = None if not total else round(100 * sum(weights[k] * v for k, v in have.items()) / total, 1)
    return Score(value, RESILIENCE_FORMULA, components, missing, dict(weights))


ENTROPY_FORMULA = "entropy delta = open problems this week - open problems last week"


def entropy_delta(now: dict[str, int], before: dict[str, int] | None) -> Score:
    """``now`` and ``before``: open problems by kind; None before there is a previous week."""
    if before is None:
        return Score(None, ENTROPY_FORMULA, {k: float(v) for k, v in now.items()}, ("last week",))
    value = sum(now.values()) - sum(before.values())
    components = {k: float(now.get(k, 0) - before.get(k, 0)) for k in sorted(set(now) | set(before))}
    return Score(float(value), ENTROPY_FORMULA, components)


COHERENCE_FORMULA = "100 x promises kept / promises checked"


def coherence(promises: dict[str, tuple[int, int]]) -> Score:
    """``promises``: name -> (kept, checked)."""
    kept = sum(k for k, _ in promises.values())
    checked = sum(t for _, t in promises.values())
    components = {name: ratio(k, t) for name, (k, t) in promises.items()}
    missing = tuple(name for name, value in components.items() if value is None)
    value = None if not checked else round(100 * kept / checked, 1)
    return Score(value, COHERENCE_FORMULA, components, missing)


def trend(values: list[float | None]) -> str:
    """Oldest to newest: the change from the previous known value, e.g. "+3.5" or "n/a"."""
    known = [v for v in values if v is not None]
    if len(known) < 2:
        return "no trend yet"
    return f"{known[-1] - known[-2]:+,.1f}"
