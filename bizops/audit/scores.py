"""The audit's two scores: pure functions of their inputs, which the report prints beside them.

**Alignment Temperature** (0-100): how much of the open P0/P1 work targets the
KPIs furthest from target. Each open P0/P1 ticket (ready, in progress or
blocked) names a KPI; the analyzers give each KPI a gap (0 at target, 1 far
off). With N such tickets and G the largest gap of any KPI:

    temperature = 100 x sum(gap of each ticket's KPI) / (N x G)

A ticket whose KPI is unnamed, unknown or without a measured gap counts 0.
100: all the urgent work is on the worst KPI; 0: none of it is on a KPI with
a gap. Not enough data without an open P0/P1 ticket or a KPI with a gap.

**Momentum Index** (0-100): where the KPIs and the backlog are heading.

    D = sum(w_k x direction_k) / sum(w_k)   over KPIs with a direction,
        w_k = 0.1 + gap_k (a KPI at target still counts, one far off counts up to
        11 times more); direction: the KPI's change on the previous period,
        better = positive, +-1 at a 10 % move
    T = (done this period - done the period before) / max(done the period before, 1),
        held within -1..1
    momentum = 50 + 50 x (0.7 D + 0.3 T)

With only one of D and T, that one alone (50 + 50 x D or T). 50 is standing
still; 100, every KPI improving fast and the backlog speeding up. Not enough
data when neither is known.
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from bizops.audit import fmt
from bizops.audit.base import NOT_ENOUGH_DATA, ONE, ZERO, clamp, pairs

KPI_WEIGHT, THROUGHPUT_WEIGHT = Decimal("0.7"), Decimal("0.3")
BASE_WEIGHT = Decimal("0.1")


@dataclass
class Score:
    name: str
    value: int | None
    formula: str
    inputs: dict[str, str] = field(default_factory=dict)
    note: str = ""

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "value": self.value,
            "formula": self.formula,
            "inputs": pairs(self.inputs),
            "note": self.note,
        }


def _round(value: Decimal) -> int:
    return int(value.quantize(ONE, rounding=ROUND_HALF_UP))


def alignment_temperature(tickets: list[tuple[str, str | None]], gaps: dict[str, Decimal]) -> Score:
    """``tickets``: (key, KPI key or None) of each open P0/P1 ticket; ``gaps``: KPI key -> gap."""
    score = Score(
        "Alignment Temperature",
        None,
        "100 x sum(gap of each open P0/P1 ticket's KPI) / (tickets x largest gap)",
    )
    largest = max(gaps.values(), default=None)
    score.inputs = {
        "open P0/P1 tickets": fmt.count(len(tickets)),
        "largest KPI gap": fmt.share(largest),
        **{
            f"ticket {key}": f"{kpi or '(no known KPI)'}: gap {fmt.share(gaps.get(kpi or ''))}"
            for key, kpi in tickets
        },
    }
    if not tickets:
        score.note = f"{NOT_ENOUGH_DATA}: no open P0/P1 ticket"
        return score
    if largest is None:
        score.note = f"{NOT_ENOUGH_DATA}: no KPI has both a value and a target"
        return score
    if largest == 0:
        score.note = f"{NOT_ENOUGH_DATA}: every KPI is at its target, so no work can target a gap"
        return score
    total = sum((gaps.get(kpi or "", ZERO) for _, kpi in tickets), ZERO)
    score.value = _round(100 * total / (len(tickets) * largest))
    score.inputs["sum of gaps"] = fmt.share(total)
    return score


def momentum_index(
    kpis: list[tuple[str, Decimal | None, Decimal | None]], done_now: int | None, done_before: int | None
) -> Score:
    """``kpis``: (key, gap, direction) of each KPI; ``done_*``: tickets done (None: no backlog)."""
    score = Score("Momentum Index", None, "50 + 50 x (0.7 D + 0.3 T)")
    moving = [(key, gap or ZERO, direction) for key, gap, direction in kpis if direction is not None]
    d = None
    if moving:
        weights = sum((BASE_WEIGHT + gap for _, gap, _ in moving), ZERO)
        d = sum(((BASE_WEIGHT + gap) * direction for _, gap, direction in moving), ZERO) / weights
    t = None
    if done_now is not None and done_before is not None:
        t = clamp(Decimal(done_now - done_before) / max(done_before, 1))
    score.inputs = {
        **{
            f"direction {key}": f"{fmt.ratio(direction)} (gap {fmt.share(gap)})"
            for key, gap, direction in moving
        },
        "D (KPI direction, gap-weighted)": fmt.ratio(d),
        "tickets done this period": fmt.count(done_now),
        "tickets done the period before": fmt.count(done_before),
        "T (throughput change)": fmt.ratio(t),
    }
    if d is None and t is None:
        score.note = f"{NOT_ENOUGH_DATA}: no KPI with a previous value and no backlog"
        return score
    if d is not None and t is not None:
        blended = KPI_WEIGHT * d + THROUGHPUT_WEIGHT * t
    else:
        blended = d if d is not None else t
        score.formula = "50 + 50 x D" if d is not None else "50 + 50 x T"
    score.value = _round(50 + 50 * blended)
    return score
