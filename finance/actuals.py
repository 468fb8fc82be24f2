"""Monthly actuals from the daily metrics, and their variance against a forecast, like with like.

A ``DailyMetric.date`` is already a day in the reporting time zone (the
metrics job buckets by it), so a calendar month of those dates is the month
in the reporting time zone, DST days included. The store-wide figures are on
the ``all`` channel rows. Returning customers are counted from the orders
(etl's read API): distinct customers with a valid order in the month whose
first order was in an earlier month.

A month is **partial** while it has not ended, or when any of its days has
no metrics row: its actuals are shown as they are, never as a variance.

Commerce runs compare net sales, orders, new and returning customers, ad
spend and CM1 (the dashboard's: net sales - COGS); subscription runs compare
revenue (net sales), ad spend and new customers.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from etl.metrics.days import bounds
from etl.selectors import daily_metrics, returning_customers
from finance.drivers import add_months
from finance.models import ForecastRun

METRICS = (
    ("revenue", "Revenue (net sales)"),
    ("ad_spend", "Ad spend"),
    ("new_customers", "New customers"),
)
COMMERCE_METRICS = (
    ("net_sales", "Net sales"),
    ("orders", "Orders"),
    ("new_customers", "New customers"),
    ("returning_customers", "Returning customers"),
    ("ad_spend", "Ad spend"),
    ("cm1", "CM1"),
)
COUNTS = {"orders", "new_customers", "returning_customers"}
# The ForecastMonth column of each compared figure (a commerce run's revenue is its net sales).
FORECAST_COLUMN = {"net_sales": "revenue"}


def metrics_of(run: ForecastRun) -> tuple[tuple[str, str], ...]:
    return COMMERCE_METRICS if run.is_commerce else METRICS


@dataclass(frozen=True)
class MonthActual:
    month: dt.date
    revenue: Decimal
    ad_spend: Decimal
    new_customers: int
    days: int
    orders: int = 0
    cm1: Decimal = Decimal(0)
    returning_customers: int | None = None

    @property
    def net_sales(self) -> Decimal:
        return self.revenue


def monthly_actuals(start: dt.date, end: dt.date, *, returning: bool = False) -> dict[dt.date, MonthActual]:
    """Actual net sales, ad spend, new customers, orders and CM1 per month, from ``start`` to before ``end``.

    One aggregate query (and one more for returning customers when asked);
    months without a metrics row are absent (no data is not zero). ``days``
    counts the days that have a row.
    """
    rows = (
        daily_metrics(start, end)
        .annotate(month=TruncMonth("date"))
        .values("month")
        .annotate(
            revenue=Sum("net_sales"),
            ad_spend=Sum("spend"),
            new_customers=Sum("new_customers"),
            orders=Sum("orders"),
            cm1=Sum("cm1"),
            days=Count("id"),
        )
        .order_by("month")
    )
    rows = list(rows)
    back = {}
    if returning and rows:
        back = returning_customers(*bounds(start, end - dt.timedelta(days=1)))
    cent = Decimal("0.01")
    return {
        row["month"]: MonthActual(
            month=row["month"],
            revenue=Decimal(row["revenue"] or 0).quantize(cent),
            ad_spend=Decimal(row["ad_spend"] or 0).quantize(cent),
            new_customers=int(row["new_customers"] or 0),
            days=row["days"],
            orders=int(row["orders"] or 0),
            cm1=Decimal(row["cm1"] or 0).quantize(cent),
            returning_customers=back.get(row["month"], 0) if returning else None,
        )
        for row in rows
    }


@dataclass(frozen=True)
class Variance:
    actual: Decimal | None
    forecast: Decimal
    variance: Decimal | None
    variance_pct: Decimal | None


@dataclass(frozen=True)
class VarianceMonth:
    month: int
    period: dt.date
    days_with_data: int
    days_in_month: int
    metrics: dict[str, Variance]
    #: Not ended, or a day without data: its actuals are never a variance.
    partial: bool = False


def _variance(actual: Decimal | None, forecast: Decimal, partial: bool) -> Variance:
    if actual is None or partial:
        return Variance(actual, forecast, None, None)
    difference = actual - forecast
    pct = (difference / forecast * 100).quantize(Decimal("0.1")) if forecast else None
    return Variance(actual, forecast, difference, pct)


def this_month(today: dt.date | None = None) -> dt.date:
    return (today or timezone.localdate()).replace(day=1)


def passed_months(run: ForecastRun, today: dt.date | None = None) -> list:
    """The run's months that have ended (before the current month in the reporting time zone)."""
    current = this_month(today)
    return [m for m in run.months.order_by("month") if m.period < current]


def actual_vs_forecast(
    run: ForecastRun, today: dt.date | None = None, actuals: dict[dt.date, MonthActual] | None = None
) -> list[VarianceMonth]:
    """The run's ended months and the current one, each with its actuals; partial ones without variance.

    ``actuals`` (``monthly_actuals`` with returning customers, over the run's months) may be passed in
    when many runs are compared at once.
    """
    current = this_month(today)
    months = [m for m in run.months.all() if m.period <= current]
    months.sort(key=lambda m: m.month)
    if not months:
        return []
    if actuals is None:
        actuals = monthly_actuals(
            months[0].period, add_months(months[-1].period, 1), returning=run.is_commerce
        )
    result = []
    for month in months:
        actual = actuals.get(month.period)
        days = (add_months(month.period, 1) - month.period).days
        with_data = actual.days if actual else 0
        partial = month.period >= current or with_data < days
        metrics = {}
        for key, _ in metrics_of(run):
            forecast = getattr(month, FORECAST_COLUMN.get(key, key))
            value = getattr(actual, key) if actual else None
            metrics[key] = _variance(None if value is None else Decimal(value), forecast, partial)
        result.append(
            VarianceMonth(
                month=month.month,
                period=month.period,
                days_with_data=with_data,
                days_in_month=days,
                metrics=metrics,
                partial=partial,
            )
        )
    return result
