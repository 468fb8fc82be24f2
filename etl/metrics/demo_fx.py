"""Made-up FX rates for the demo and the sandbox: never for real books.

The sandbox has an ad account in another currency, and the metrics stop on a
missing rate, so the demo fills plausible rates for the days it covers. Only
missing (day, currency) pairs are written: a rate the team entered or
imported is never replaced. Values: a fixed approximate rate per currency in
US dollars, moved by at most 1 % a day in a deterministic wave, so the demo
shows the same numbers every time.
"""

import math
from datetime import date
from decimal import Decimal

from django.conf import settings

from etl.metrics.days import each_day
from etl.models import FxRate

# Approximate US dollars per unit; a demo's starting point, not market data.
USD_PER_UNIT = {
    "USD": Decimal("1"),
    "EUR": Decimal("1.08"),
    "GBP": Decimal("1.27"),
    "CAD": Decimal("0.73"),
    "AUD": Decimal("0.66"),
    "JPY": Decimal("0.0067"),
    "CHF": Decimal("1.12"),
    "SEK": Decimal("0.095"),
    "MXN": Decimal("0.055"),
}
PLACES = Decimal("0.00000001")


def demo_rate(currency: str, day: date) -> Decimal:
    """1 ``currency`` in the reporting currency on ``day`` (made up)."""
    try:
        base = USD_PER_UNIT[currency] / USD_PER_UNIT[settings.REPORTING_CURRENCY]
    except KeyError as exc:
        raise ValueError(f"no demo rate for {exc.args[0]}; known: {', '.join(USD_PER_UNIT)}") from None
    wave = Decimal(str(round(math.sin(day.toordinal() / 9) / 100, 6)))
    return (base * (1 + wave)).quantize(PLACES)


def fill_demo_rates(currencies: list[str], since: date, until: date) -> int:
    """Write made-up rates for the missing (day, currency) pairs; return how many were written."""
    wanted = [c for c in dict.fromkeys(currencies) if c != settings.REPORTING_CURRENCY]
    have = set(
        FxRate.objects.filter(currency__in=wanted, day__gte=since, day__lte=until).values_list(
            "currency", "day"
        )
    )
    rows = [
        FxRate(day=day, currency=currency, rate=demo_rate(currency, day))
        for currency in wanted
        for day in each_day(since, until)
        if (currency, day) not in have
    ]
    FxRate.objects.bulk_create(rows, batch_size=1000)
    return len(rows)
