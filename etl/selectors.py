"""What other apps may read of etl's data: the only door (a `forbidden` import contract keeps
finance, flags and the dashboards out of ``etl.models``).

- counted orders: ``counted_orders()`` (``Order.objects.counted()``: not a test, not deleted, not cancelled);
- daily metrics by period and channel: ``daily_metrics()``, ``daily_rows()``, ``summarise()``;
- the orders of one day with their status: ``orders_of_day()``;
- source freshness: ``source_freshness()``;
- orders by first-order cohort and month: ``cohort_sizes()``, ``cohort_repeats()``;
- first and repeat orders' counts and gross sales: ``first_and_repeat_sales()``;
- returning customers per month: ``returning_customers()``.
- for the business audit: each customer's orders in time order (``customer_orders()``), the
  orders left out by reason (``excluded_orders()``), FX days missing (``missing_fx_days()``)
  and spend on campaigns without a name (``unnamed_campaigns()``).
"""

from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import TruncMonth

from etl.metrics.days import bounds, each_day, reporting_tz
from etl.metrics.read import daily_rows, orders_of_day, summarise
from etl.models import AdInsightDaily, Channel, DailyMetric, FxRate, Order, OrderLine
from etl.pipeline import Freshness
from etl.pipeline import freshness as source_freshness

__all__ = [
    "Channel",
    "Freshness",
    "cohort_repeats",
    "cohort_sizes",
    "counted_orders",
    "customer_orders",
    "daily_metrics",
    "daily_rows",
    "excluded_orders",
    "first_and_repeat_sales",
    "missing_fx_days",
    "orders_of_day",
    "returning_customers",
    "source_freshness",
    "summarise",
    "unnamed_campaigns",
]


def counted_orders(since: datetime | None = None) -> QuerySet[Order]:
    """The orders that count in every figure, created at or after ``since`` when given."""
    orders = Order.objects.counted()
    return orders if since is None else orders.filter(created_at__gte=since)


def daily_metrics(start: date, end: date, channel: str = Channel.ALL) -> QuerySet[DailyMetric]:
    """The ``channel``'s DailyMetric rows dated from ``start`` to before ``end``."""
    return DailyMetric.objects.filter(channel=channel, date__gte=start, date__lt=end)


def _customer_orders(before: datetime):
    """Counted orders of known customers (guests by normalised email) created before ``before``."""
    return Order.objects.counted().filter(created_at__lt=before).exclude(customer_key="")


def _month(field: str = "created_at") -> TruncMonth:
    return TruncMonth(field, tzinfo=reporting_tz())


def cohort_sizes(since: datetime, before: datetime) -> dict[date, int]:
    """New customers per first-order month (reporting time zone), first orders in [since, before).

    A customer's first order is their first valid one (``FirstOrder``: test, deleted and
    cancelled orders never count; guests are one customer per normalised email). One query.
    """
    rows = (
        _customer_orders(before)
        .filter(first__isnull=False, created_at__gte=since)
        .annotate(month=_month())
        .values("month")
        .annotate(customers=Count("id"))
    )
    return {_as_date(row["month"]): row["customers"] for row in rows}


def cohort_repeats(since: datetime, before: datetime) -> list[dict]:
    """The later orders of the cohorts whose first order is in [since, before), orders before ``before``.

    One row per (cohort month, order month): ``customers`` (distinct customers ordering again
    in that month) and ``orders``; months in the reporting time zone. One query.
    """
    first_month = (
        Order.objects.counted()
        .filter(customer_key=OuterRef("customer_key"), first__isnull=False)
        .annotate(month=_month())
        .values("month")[:1]
    )
    rows = (
        _customer_orders(before)
        .filter(first__isnull=True)
        .annotate(cohort=Subquery(first_month), month=_month())
        .filter(cohort__gte=_month_floor(since))
        .values("cohort", "month")
        .annotate(customers=Count("customer_key", distinct=True), orders=Count("id"))
    )
    return [
        {
            "cohort": _as_date(row["cohort"]),
            "month": _as_date(row["month"]),
            "customers": row["customers"],
            "orders": row["orders"],
        }
        for row in rows
        if row["cohort"] is not None
    ]


def returning_customers(start: datetime, end: datetime) -> dict[date, int]:
    """Per month (reporting time zone) of [start, end): distinct customers with a counted order in it
    whose first order was in an earlier month. One query."""
    first_month = (
        Order.objects.counted()
        .filter(customer_key=OuterRef("customer_key"), first__isnull=False)
        .annotate(month=_month())
        .values("month")[:1]
    )
    rows = (
        Order.objects.counted()
        .filter(created_at__gte=start, created_at__lt=end, first__isnull=True)
        .exclude(customer_key="")
        .annotate(cohort=Subquery(first_month), month=_month())
        .filter(cohort__lt=F("month"))
        .values("month")
        .annotate(customers=Count("customer_key", distinct=True))
    )
    return {_as_date(row["month"]): row["customers"] for row in rows}


def first_and_repeat_sales(start: datetime, end: datetime) -> dict[str, dict]:
    """Counted orders created in [start, end), split into first and repeat orders.

    ``{"first": {"orders", "gross"}, "repeat": {...}}``; gross = line price x quantity (the
    metrics' gross sales), in the store currency. Two queries.
    """
    orders = Order.objects.counted().filter(created_at__gte=start, created_at__lt=end)
    counts = orders.aggregate(
        first_n=Count("id", filter=Q(first__isnull=False)), repeat_n=Count("id", filter=Q(first__isnull=True))
    )
    gross = OrderLine.objects.filter(order__in=orders).aggregate(
        first_n=Sum(F("price") * F("quantity"), filter=Q(order__first__isnull=False)),
        repeat_n=Sum(F("price") * F("quantity"), filter=Q(order__first__isnull=True)),
    )
    return {
        side: {"orders": counts[f"{side}_n"] or 0, "gross": gross[f"{side}_n"] or 0}
        for side in ("first", "repeat")
    }


def _month_floor(moment: datetime) -> datetime:
    local = moment.astimezone(reporting_tz())
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def _as_date(value) -> date:
    return value.date() if isinstance(value, datetime) else value


def customer_orders(until: datetime) -> Iterator[tuple[str, datetime, Decimal]]:
    """(customer key, created at, subtotal) of every counted order with a customer, created before
    ``until``, by customer then time: one streamed query, so a year of a large store never sits
    in memory at once. The subtotal is the line items after discounts, before shipping and tax.
    """
    rows = (
        counted_orders()
        .filter(created_at__lt=until)
        .exclude(customer_key="")
        .order_by("customer_key", "created_at", "id")
        .values_list("customer_key", "created_at", "subtotal")
    )
    return rows.iterator(chunk_size=20_000)


def excluded_orders(since: date, until: date) -> dict[str, int]:
    """How many orders created on the reporting days ``since``..``until`` are left out, by reason
    (``Order.excluded_because``: a test order counts as test even when also cancelled)."""
    start, end = bounds(since, until)
    counts = Order.objects.filter(created_at__gte=start, created_at__lt=end).aggregate(
        n_test=Count("id", filter=Q(test=True)),
        n_deleted=Count("id", filter=Q(test=False, deleted_at__isnull=False)),
        n_cancelled=Count("id", filter=Q(test=False, deleted_at__isnull=True, cancelled_at__isnull=False)),
    )
    return {reason: counts[f"n_{reason}"] or 0 for reason in ("test", "deleted", "cancelled")}


def missing_fx_days(since: date, until: date) -> list[tuple[str, date]]:
    """(currency, day) pairs the metrics need and no FxRate has, in ``since``..``until``.

    Needed: every day of the range for each currency other than the reporting one that an
    order or an ad insight of the range is in.
    """
    start, end = bounds(since, until)
    reporting = settings.REPORTING_CURRENCY
    currencies = set(
        Order.objects.filter(created_at__gte=start, created_at__lt=end)
        .exclude(currency=reporting)
        .values_list("currency", flat=True)
        .distinct()
    ) | set(
        AdInsightDaily.objects.filter(date__gte=since, date__lte=until)
        .exclude(currency=reporting)
        .values_list("currency", flat=True)
        .distinct()
    )
    if not currencies:
        return []
    have = set(
        FxRate.objects.filter(currency__in=currencies, day__gte=since, day__lte=until).values_list(
            "currency", "day"
        )
    )
    return [(c, day) for day in each_day(since, until) for c in sorted(currencies) if (c, day) not in have]


def unnamed_campaigns(since: date, until: date) -> list[dict]:
    """Campaigns with spend in ``since``..``until`` but no name: nobody can tell what the spend
    bought. Each: id, platform, external id, spend and its currency, largest spend first."""
    rows = (
        AdInsightDaily.objects.filter(date__gte=since, date__lte=until, campaign__name="")
        .values("campaign_id", "platform", "campaign__external_id", "currency")
        .annotate(spend=Sum("spend"))
        .filter(spend__gt=0)
        .order_by("-spend", "campaign_id")
    )
    return [
        {
            "id": row["campaign_id"],
            "platform": row["platform"],
            "external_id": row["campaign__external_id"],
            "spend": row["spend"],
            "currency": row["currency"],
        }
        for row in rows
    ]
