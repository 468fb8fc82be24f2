"""What the analyzers read, loaded once per audit through each app's read API.

Every property runs its queries the first time it is read and keeps the
answer, so nine analyzers over one period cost one read of each source: the
number of queries of an audit is bounded whatever the number of orders.
"""

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cached_property

from bizops.audit.base import Period
from bizops.core import selectors as core
from etl import selectors as etl
from etl.metrics.days import reporting_tz
from finance import selectors as finance
from flags import selectors as flags_api
from health.models import JobRun


@dataclass
class Customers:
    """Customers and their orders up to a period's end, from one streamed pass over the orders.

    ``cohorts`` maps a first-order month (its first day) to: customers, customers whose second
    order came ``m`` months after the first month (``repeat_at``), and subtotal of all their
    orders ``m`` months after it (``revenue_at``).
    """

    customers: int = 0
    repeaters: int = 0
    customers_before: int = 0  # whose first order came before the previous period's end
    repeaters_before: int = 0  # ... and whose second order too
    days_to_second: list[float] = field(default_factory=list)
    cohorts: dict[date, dict] = field(default_factory=dict)

    @property
    def median_days_to_second(self) -> Decimal | None:
        if not self.days_to_second:
            return None
        return Decimal(str(round(statistics.median(self.days_to_second), 1)))


def _month(moment, tz) -> date:
    local = moment.astimezone(tz)
    return date(local.year, local.month, 1)


def _months_between(first: date, later: date) -> int:
    return (later.year - first.year) * 12 + later.month - first.month


def load_customers(period: Period) -> Customers:
    tz = reporting_tz()
    _, end = period.bounds()
    _, previous_end = period.previous.bounds()
    found = Customers()
    cohorts: dict[date, dict] = defaultdict(
        lambda: {"customers": 0, "repeat_at": defaultdict(int), "revenue_at": defaultdict(Decimal)}
    )
    current_key, first, first_month, n = None, None, None, 0
    for key, created_at, subtotal in etl.customer_orders(end):
        if key != current_key:
            current_key, first, n = key, created_at, 0
            first_month = _month(created_at, tz)
            found.customers += 1
            cohorts[first_month]["customers"] += 1
            if created_at < previous_end:
                found.customers_before += 1
        n += 1
        offset = _months_between(first_month, _month(created_at, tz))
        cohorts[first_month]["revenue_at"][offset] += subtotal or 0
        if n == 2:
            found.repeaters += 1
            cohorts[first_month]["repeat_at"][offset] += 1
            found.days_to_second.append((created_at - first).total_seconds() / 86400)
            if created_at < previous_end:
                found.repeaters_before += 1
    found.cohorts = {month: cohorts[month] for month in sorted(cohorts)}
    return found


class AuditData:
    """The period's data for the analyzers; each part read once, on first use."""

    def __init__(self, period: Period):
        self.period = period
        self.start_at, self.end_at = period.bounds()

    @cached_property
    def rows(self) -> list[dict]:
        p = self.period
        return etl.daily_rows(
            (p.start, p.end), (p.previous.start, p.previous.end), (p.last_year.start, p.last_year.end)
        )

    def rows_in(self, period: Period, channel: str = "all") -> list[dict]:
        return [r for r in self.rows if period.contains(r["date"]) and r["channel"] == channel]

    def summary(self, period: Period, channel: str = "all") -> dict:
        return etl.summarise(self.rows_in(period, channel), channel)

    @cached_property
    def customers(self) -> Customers:
        return load_customers(self.period)

    @cached_property
    def forecast(self):
        """The newest run of the first active scenario (the plan), or None."""
        runs = finance.latest_forecasts()
        return runs[0] if runs else None

    @cached_property
    def tickets(self) -> list:
        return list(core.tickets().select_related("owner"))

    @cached_property
    def experiments(self) -> list:
        return list(flags_api.experiments().select_related("owner"))

    @cached_property
    def flags(self) -> list:
        return list(flags_api.flags())

    @cached_property
    def stale_flags(self) -> list:
        return list(flags_api.flags(stale=True))

    @cached_property
    def freshness(self) -> list:
        return etl.source_freshness()

    @cached_property
    def failed_runs(self) -> list[JobRun]:
        runs = JobRun.objects.started_since(self.start_at).started_before(self.end_at)
        return list(runs.filter(status=JobRun.Status.FAILED).order_by("-started_at")[:50])

    @cached_property
    def runs_in_period(self) -> int:
        return JobRun.objects.started_since(self.start_at).started_before(self.end_at).count()

    @cached_property
    def excluded_orders(self) -> dict[str, int]:
        return etl.excluded_orders(self.period.start, self.period.end)

    @cached_property
    def missing_fx(self) -> list:
        return etl.missing_fx_days(self.period.start, self.period.end)

    @cached_property
    def unnamed_campaigns(self) -> list[dict]:
        return etl.unnamed_campaigns(self.period.start, self.period.end)

    def tracked_metrics(self) -> dict[str, int]:
        return flags_api.tracked_metrics(self.start_at, self.end_at)

    def metric_rate(self, metric: str, period: Period) -> tuple[int, int]:
        start, end = period.bounds()
        return flags_api.metric_rate(metric, start, end)
