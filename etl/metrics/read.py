"""Reading the metrics back: the public functions the dashboards and reports use.

``summarise`` adds daily rows up and derives the period's ratios from the
sums with the same definitions as a day (``etl.metrics.definitions``): a
30-day ROAS is 30 days of net sales over 30 days of spend, never an average
of 30 daily ROAS figures.
"""

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.db.models import (
    BooleanField,
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from etl.metrics import definitions as d
from etl.metrics.days import bounds
from etl.models import DailyMetric, Order, OrderLine, Refund

FIELDS = [
    "date",
    "channel",
    *d.ADDITIVE_FIELDS,
    "ctr",
    "cpc",
    "cpm",
    "channel_roas",
    "aov",
    "blended_roas",
    "mer",
    "blended_cac",
    "refund_rate",
    "cogs_coverage",
    "breakeven_roas",
]
RATIO_FIELDS = [name for name in FIELDS[2:] if name not in d.ADDITIVE_FIELDS]
_AMOUNT = DecimalField(max_digits=24, decimal_places=4)


def daily_rows(*ranges: tuple[date, date]) -> list[dict]:
    """Every DailyMetric row (as a dict of FIELDS) dated in any of ``ranges``, in one query."""
    where = Q()
    for since, until in ranges:
        where |= Q(date__gte=since, date__lte=until)
    return list(DailyMetric.objects.filter(where).order_by("date", "channel").values(*FIELDS))


def summarise(rows: Iterable[dict], channel: str) -> dict:
    """The sums and derived ratios of ``channel`` over ``rows`` (any number of days)."""
    sums: dict = dict.fromkeys(d.ADDITIVE_FIELDS, 0)
    covered = Decimal(0)
    days = 0
    for row in rows:
        if row["channel"] != channel:
            continue
        days += 1
        for name in d.ADDITIVE_FIELDS:
            sums[name] += row[name] or 0
        covered += (row["cogs_coverage"] or 0) * (row["gross_sales"] or 0)
    result = {**sums, "days": days, **d.derive_advertising(sums, attributed=channel in ("meta", "tiktok"))}
    if channel == "all":
        result.update(d.derive_store(sums, d.cogs_coverage(covered, sums["gross_sales"])))
    return result


def orders_of_day(day: date) -> QuerySet[Order]:
    """The orders created on a reporting day, each with its gross sales, total refunded and
    ``is_first`` (the customer's first order)."""
    start, end = bounds(day, day)
    gross = (
        OrderLine.objects.filter(order=OuterRef("pk"))
        .values("order")
        .annotate(total=Sum(ExpressionWrapper(F("price") * F("quantity"), output_field=_AMOUNT)))
        .values("total")
    )
    refunded = (
        Refund.objects.filter(order=OuterRef("pk"))
        .values("order")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    zero = Value(Decimal(0), output_field=_AMOUNT)
    return (
        Order.objects.filter(created_at__gte=start, created_at__lt=end)
        .annotate(
            gross_sales=Coalesce(Subquery(gross, output_field=_AMOUNT), zero),
            refunded=Coalesce(Subquery(refunded, output_field=_AMOUNT), zero),
            is_first=ExpressionWrapper(Q(first__isnull=False), output_field=BooleanField()),
        )
        .order_by("created_at", "id")
    )
