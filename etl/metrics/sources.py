"""Database aggregation of the source tables, grouped by reporting day.

Each function returns one row per (day, currency[, platform]) computed by the
database (``GROUP BY``), never a loop over orders in Python; conversion to the
reporting currency happens afterwards on these few rows.

Which orders count is ``Order.objects.counted()``: test orders, deleted
orders and cancelled orders are left out of every figure, their refunds
included. This follows Shopify's current sales reports; the older ones booked
a cancelled order as a sale on its day and a return on the cancel day, which
nets to zero over time but inflates both days.
"""

from datetime import date
from decimal import Decimal

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Q, Sum, Value
from django.db.models.functions import Coalesce, TruncDate

from etl.metrics.days import bounds, reporting_tz
from etl.models import AdInsightDaily, Order, OrderLine, Refund, counted_through

AMOUNT = DecimalField(max_digits=24, decimal_places=4)
ZERO = Value(Decimal(0), output_field=AMOUNT)


def _total(expression) -> Coalesce:
    return Coalesce(Sum(expression, output_field=AMOUNT), ZERO, output_field=AMOUNT)


def ad_insights(since: date, until: date) -> list[dict]:
    """Per (date, platform, currency): spend, impressions, clicks, conversions, conversion value.

    Insight dates are the ad account's days, taken as reporting days (the
    platforms report daily figures only in the account's time zone).
    """
    return list(
        AdInsightDaily.objects.filter(date__gte=since, date__lte=until)
        .values("date", "platform", "currency")
        .annotate(
            rows=Count("id"),
            spend=_total("spend"),
            impressions=Coalesce(Sum("impressions"), 0),
            clicks=Coalesce(Sum("clicks"), 0),
            conversions=_total("conversions"),
            conversion_value=_total("conversion_value"),
        )
        .order_by()
    )


def orders(since: date, until: date) -> list[dict]:
    """Per (order day, currency): valid orders, discounts, shipping, tax and first orders."""
    start, end = bounds(since, until)
    return list(
        Order.objects.counted()
        .filter(created_at__gte=start, created_at__lt=end)
        .annotate(day=TruncDate("created_at", tzinfo=reporting_tz()))
        .values("day", "currency")
        .annotate(
            orders=Count("id"),
            new_customers=Count("id", filter=Q(first__isnull=False)),
            discounts=_total("discounts"),
            shipping=_total("shipping"),
            tax=_total("tax"),
        )
        .order_by()
    )


def order_lines(since: date, until: date) -> list[dict]:
    """Per (order day, currency): gross sales, and the cost and gross of lines with a unit cost."""
    start, end = bounds(since, until)
    line_gross = ExpressionWrapper(F("price") * F("quantity"), output_field=AMOUNT)
    line_cost = ExpressionWrapper(F("unit_cost") * F("quantity"), output_field=AMOUNT)
    costed = Q(unit_cost__isnull=False)
    return list(
        OrderLine.objects.filter(
            counted_through("order"), order__created_at__gte=start, order__created_at__lt=end
        )
        .annotate(day=TruncDate("order__created_at", tzinfo=reporting_tz()), currency=F("order__currency"))
        .values("day", "currency")
        .annotate(
            gross=_total(line_gross),
            cost=Coalesce(Sum(line_cost, filter=costed, output_field=AMOUNT), ZERO, output_field=AMOUNT),
            covered=Coalesce(Sum(line_gross, filter=costed, output_field=AMOUNT), ZERO, output_field=AMOUNT),
        )
        .order_by()
    )


def refunds(since: date, until: date) -> list[dict]:
    """Per (refund day, currency): returns and the whole amount refunded, on the refund's own day.

    Returns are the value of the returned goods; a refund with no such
    breakdown (no line items) counts whole as a return.
    """
    start, end = bounds(since, until)
    return list(
        Refund.objects.filter(counted_through("order"), created_at__gte=start, created_at__lt=end)
        .annotate(day=TruncDate("created_at", tzinfo=reporting_tz()), currency=F("order__currency"))
        .values("day", "currency")
        .annotate(
            refunds=Count("id"),
            returns=_total(Coalesce("returns_amount", "amount")),
            refunded=_total("amount"),
        )
        .order_by()
    )
