"""Sensitivity: each lever moved down and up on its own (-20 % / +20 % by default).

A lever is a driver the business can act on (price, ad budget, CAC, churn,
costs...); facts such as starting cash are not levers. A moved value that
leaves the driver's range (a churn of 90 % moved up) is held at the bound,
and the effect says so. Levers are ranked twice: by their effect on month-12
MRR and by their effect on the break-even month.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from finance.drivers import LEVERS, Driver
from finance.engine import HUNDRED, Drivers, forecast

DEFAULT_STEP_PCT = Decimal(20)


@dataclass(frozen=True)
class LeverEffect:
    driver: str
    label: str
    base_value: Decimal
    low_value: Decimal
    high_value: Decimal
    clamped: bool
    mrr_12_base: Decimal
    mrr_12_low: Decimal
    mrr_12_high: Decimal
    operating_profit_12_base: Decimal
    operating_profit_12_low: Decimal
    operating_profit_12_high: Decimal
    break_even_base: int | None
    break_even_low: int | None
    break_even_high: int | None
    horizon: int

    @property
    def mrr_swing(self) -> Decimal:
        return max(abs(self.mrr_12_low - self.mrr_12_base), abs(self.mrr_12_high - self.mrr_12_base))

    @property
    def profit_swing(self) -> Decimal:
        base = self.operating_profit_12_base
        return max(abs(self.operating_profit_12_low - base), abs(self.operating_profit_12_high - base))

    def _month(self, value: int | None) -> int:
        # "Not within the horizon" ranks as the month after it.
        return self.horizon + 1 if value is None else value

    def break_even_shift(self, side: str) -> int:
        moved = self.break_even_low if side == "low" else self.break_even_high
        return self._month(moved) - self._month(self.break_even_base)

    @property
    def break_even_swing(self) -> int:
        return max(abs(self.break_even_shift("low")), abs(self.break_even_shift("high")))


def _moved(driver: Driver, value: Decimal, factor: Decimal) -> tuple[Decimal, bool]:
    moved = (value * factor).quantize(Decimal(1).scaleb(-driver.places), rounding=ROUND_HALF_UP)
    clamped = False
    if driver.maximum is not None and moved > driver.maximum:
        moved, clamped = driver.maximum, True
    if driver.minimum is not None and moved < driver.minimum:
        moved, clamped = driver.minimum, True
    return moved, clamped


def _month_12(result, attribute: str) -> Decimal:
    months = result.months
    return getattr(months[11] if len(months) >= 12 else months[-1], attribute)


def lever_effects(
    drivers: Drivers, *, step_pct: Decimal = DEFAULT_STEP_PCT, churn_floor_pct: Decimal = Decimal(1)
) -> list[LeverEffect]:
    base = forecast(drivers, churn_floor_pct)
    effects = []
    for driver in LEVERS:
        value = getattr(drivers, driver.name)
        low, low_clamped = _moved(driver, value, 1 - step_pct / HUNDRED)
        high, high_clamped = _moved(driver, value, 1 + step_pct / HUNDRED)
        results = {}
        for side, moved in (("low", low), ("high", high)):
            results[side] = forecast(drivers.with_values(**{driver.name: moved}), churn_floor_pct)
        effects.append(
            LeverEffect(
                driver=driver.name,
                label=driver.label,
                base_value=value,
                low_value=low,
                high_value=high,
                clamped=low_clamped or high_clamped,
                mrr_12_base=base.summary.month_12_mrr,
                mrr_12_low=results["low"].summary.month_12_mrr,
                mrr_12_high=results["high"].summary.month_12_mrr,
                operating_profit_12_base=_month_12(base, "operating_profit"),
                operating_profit_12_low=_month_12(results["low"], "operating_profit"),
                operating_profit_12_high=_month_12(results["high"], "operating_profit"),
                break_even_base=base.summary.break_even_month,
                break_even_low=results["low"].summary.break_even_month,
                break_even_high=results["high"].summary.break_even_month,
                horizon=drivers.horizon_months,
            )
        )
    return effects


def rank_by_mrr(effects: list[LeverEffect]) -> list[LeverEffect]:
    return sorted(effects, key=lambda e: (-e.mrr_swing, -e.break_even_swing, e.driver))


def rank_by_break_even(effects: list[LeverEffect]) -> list[LeverEffect]:
    return sorted(effects, key=lambda e: (-e.break_even_swing, -e.profit_swing, e.driver))


def top_levers(effects: list[LeverEffect], count: int = 5) -> dict[str, list[LeverEffect]]:
    """The levers that matter: those that move month-12 MRR or the break-even month at all."""
    return {
        "mrr": [e for e in rank_by_mrr(effects) if e.mrr_swing > 0][:count],
        "break_even": [e for e in rank_by_break_even(effects) if e.break_even_swing > 0][:count],
    }


def _scaled_curve(curve: tuple[Decimal, ...], factor: Decimal) -> tuple[tuple[Decimal, ...], bool]:
    moved, clamped = [], False
    for share in curve:
        value = (share * factor).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)
        if value > HUNDRED:
            value, clamped = HUNDRED, True
        moved.append(value)
    return tuple(moved), clamped


def commerce_lever_effects(drivers, *, step_pct: Decimal = DEFAULT_STEP_PCT) -> list[LeverEffect]:
    """The commerce model's levers, each moved down and up on its own.

    The headline figure is month-12 net sales (held in the ``mrr_12_*``
    fields, which mean "the month-12 headline" of either model); the repeat
    curve moves as a whole (every month's share x 0.8 / x 1.2, at most 100 %).
    """
    from finance import commerce
    from finance.drivers import COMMERCE_LEVERS, REPEAT_CURVE

    base = commerce.forecast(drivers)
    effects = []
    for driver in COMMERCE_LEVERS:
        results, values, clamped = {}, {}, False
        for side, factor in (("low", 1 - step_pct / HUNDRED), ("high", 1 + step_pct / HUNDRED)):
            if driver.name == REPEAT_CURVE:
                curve, was_clamped = _scaled_curve(drivers.repeat_curve, factor)
                moved_drivers = drivers.with_values(repeat_curve=curve)
                values[side] = factor * HUNDRED
            else:
                moved, was_clamped = _moved(driver, getattr(drivers, driver.name), factor)
                moved_drivers = drivers.with_values(**{driver.name: moved})
                values[side] = moved
            clamped = clamped or was_clamped
            results[side] = commerce.forecast(moved_drivers)
        base_value = HUNDRED if driver.name == REPEAT_CURVE else getattr(drivers, driver.name)
        effects.append(
            LeverEffect(
                driver=driver.name,
                label=driver.label,
                base_value=base_value,
                low_value=values["low"],
                high_value=values["high"],
                clamped=clamped,
                mrr_12_base=base.summary.month_12_net_sales,
                mrr_12_low=results["low"].summary.month_12_net_sales,
                mrr_12_high=results["high"].summary.month_12_net_sales,
                operating_profit_12_base=_month_12(base, "operating_profit"),
                operating_profit_12_low=_month_12(results["low"], "operating_profit"),
                operating_profit_12_high=_month_12(results["high"], "operating_profit"),
                break_even_base=base.summary.break_even_month,
                break_even_low=results["low"].summary.break_even_month,
                break_even_high=results["high"].summary.break_even_month,
                horizon=drivers.horizon_months,
            )
        )
    return effects
