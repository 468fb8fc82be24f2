"""Numbers as people read them in the audit's text: thousands separators, money to the cent with
its currency, rates as percentages. ``None`` reads "n/a": a figure without data is never 0."""

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings

NA = "n/a"


def _q(value, places: str) -> Decimal:
    return Decimal(value).quantize(Decimal(places), rounding=ROUND_HALF_UP)


def money(value) -> str:
    return NA if value is None else f"{_q(value, '0.01'):,} {settings.REPORTING_CURRENCY}"


def share(value) -> str:
    """0.1234 -> "12.3 %"."""
    return NA if value is None else f"{_q(Decimal(value) * 100, '0.1'):,} %"


def points(value) -> str:
    """A change of a share, in percentage points: 0.012 -> "+1.2 pts"."""
    return NA if value is None else f"{_q(Decimal(value) * 100, '0.1'):+,} pts"


def change(value) -> str:
    """A relative change: 0.05 -> "+5.0 %"."""
    return NA if value is None else f"{_q(Decimal(value) * 100, '0.1'):+,} %"


def ratio(value) -> str:
    return NA if value is None else f"{_q(value, '0.01'):,}"


def count(value) -> str:
    return NA if value is None else f"{_q(value, '1'):,}"


def number(value) -> str:
    return NA if value is None else f"{_q(value, '0.1'):,}"


def as_kind(value, kind: str) -> str:
    return {"money": money, "share": share, "ratio": ratio, "int": count, "days": number, "score": count}.get(
        kind, number
    )(value)
