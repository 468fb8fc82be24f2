"""Monthly actuals from the daily metrics, and their variance against a forecast.

A ``DailyMetric.date`` is already a day in the reporting time zone (the
metrics job buckets by it), so a calendar month of those dates is the month
in the reporting time zone, DST days included. The store-wide figures are on
the ``all`` channel rows.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from etl.selectors import daily_metrics
from finance.drivers import add_months
from finance.models import ForecastRun

METRICS = (
    ("revenue", "Revenue (net sales)"),
    ("ad_spend", "Ad spend"),
    ("new_customers", "New customers"),
)


@dataclass(frozen=True)
class MonthActual:
    month: dt.date
    revenue: Decimal
    ad_spend: Decimal
    new_customers: int
    days: int


def monthly_actuals(start: dt.date, end: dt.date) -> dict[dt.date, MonthActual]:
    """Actual revenue, ad spend and new customers per month, for the months from ``start`` to before ``end``.

    One aggregate query; months without a metrics row are absent (no data is
    not zero). ``days`` counts the days that have a row.
    """
    rows = (
        daily_metrics(start, end)
        .annotate(month=TruncMonth("date"))
        .values("month")
        .annotate(
            revenue=Sum("net_sales"),
            ad_spend=Sum("spend"),
            new_customers=Sum("new_customers"),
            days=Count("id"),
        )
        .order_by("month")
    )
    return {
        row["month"]: MonthActual(
            month=row["month"],
            revenue=Decimal(row["revenue"] or 0).quantize(Decimal("0.01")),
            ad_spend=Decimal(row["ad_spend"] or 0).quantize(Decimal("0.01")),
            new_customers=int(row["new_customers"] or 0),
            days=row["days"],
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


def _variance(actual: Decimal | None, forecast: Decimal) -> Variance:
    if actual is None:
        return Variance(None, forecast, None, None)
    difference = actual - forecast
    pct = (difference / forecast * 100).quantize(Decimal("0.1")) if forecast else None
    return Variance(actual, forecast, difference, pct)


def passed_months(run: ForecastRun, today: dt.date | None = None) -> list:
    """The run's months that have ended (before the current month in the reporting time zone)."""
    this_month = (today or timezone.localdate()).replace(day=1)
    return [m for m in run.months.order_by("month") if m.period < this_month]


def actual_vs_forecast(run: ForecastRun, today: dt.date | None = None) -> list[VarianceMonth]:
    months = passed_months(run, today)
    if not months:
        return []
    actuals = monthly_actuals(months[0].period, add_months(months[-1].period, 1))
    result = []
    for month in months:
        actual = actuals.get(month.period)
        days = (add_months(month.period, 1) - month.period).days
        result.append(
            VarianceMonth(
                month=month.month,
                period=month.period,
                days_with_data=actual.days if actual else 0,
                days_in_month=days,
                metrics={
                    "revenue": _variance(actual and actual.revenue, month.revenue),
                    "ad_spend": _variance(actual and actual.ad_spend, month.ad_spend),
                    "new_customers": _variance(
                        Decimal(actual.new_customers) if actual else None, month.new_customers
                    ),
                },
            )
        )
    return result
