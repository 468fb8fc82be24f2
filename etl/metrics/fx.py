"""Converting money to the reporting currency with the day's ``FxRate``.

A rate must exist for every (currency, day) the computation meets: a missing
one stops it before anything is written, naming the currency and the day.
"""

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.conf import settings

from etl.models import FxRate

ONE = Decimal(1)


class MissingFxRate(Exception):
    """No FxRate for a currency on a day the metrics need."""

    def __init__(self, missing: list[tuple[str, date]]):
        self.missing = sorted(missing, key=lambda pair: (pair[1], pair[0]))
        currency, day = self.missing[0]
        more = len(self.missing) - 1
        tail = (
            f" (and {more} more: {self._list(self.missing[1:6])}{'...' if more > 5 else ''})" if more else ""
        )
        super().__init__(
            f"no FX rate for {currency} on {day.isoformat()}{tail}; add it under ETL > FX rates "
            f"(1 {currency} in {settings.REPORTING_CURRENCY}) or import a file there, then run again"
        )

    @staticmethod
    def _list(pairs: list[tuple[str, date]]) -> str:
        return ", ".join(f"{currency} {day.isoformat()}" for currency, day in pairs)


class Rates:
    """The rates of the (currency, day) pairs needed, loaded in one query."""

    def __init__(self, needed: Iterable[tuple[str, date]]):
        reporting = settings.REPORTING_CURRENCY
        self.reporting = reporting
        needed = {(currency, day) for currency, day in needed if currency != reporting}
        self._rates: dict[tuple[str, date], Decimal] = {}
        if needed:
            days = {day for _, day in needed}
            rows = FxRate.objects.filter(
                currency__in={currency for currency, _ in needed}, day__gte=min(days), day__lte=max(days)
            ).values_list("currency", "day", "rate")
            self._rates = {(currency, day): rate for currency, day, rate in rows}
        missing = [pair for pair in needed if pair not in self._rates]
        if missing:
            raise MissingFxRate(missing)

    def rate(self, currency: str, day: date) -> Decimal:
        return ONE if currency == self.reporting else self._rates[(currency, day)]

    def convert(self, amount: Decimal | None, currency: str, day: date) -> Decimal:
        return (amount or Decimal(0)) * self.rate(currency, day)
