"""Experiment figures as people read them: rates and lifts as percentages, p to three significant figures."""

from decimal import Decimal


def percent(value: Decimal | None, *, signed: bool = False) -> str:
    if value is None:
        return "-"
    return f"{value * 100:{'+' if signed else ''}.1f} %"


def interval(low: Decimal | None, high: Decimal | None) -> str:
    if low is None or high is None:
        return "-"
    return f"{percent(low, signed=True)} to {percent(high, signed=True)}"


def p_value(value: Decimal | None) -> str:
    if value is None:
        return "-"
    return f"{value:.3g}"
