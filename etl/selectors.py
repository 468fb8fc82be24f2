"""What other apps may read of etl's data: the only door (a `forbidden` import contract keeps
finance, flags and the dashboards out of ``etl.models``).

- counted orders: ``counted_orders()`` (``Order.objects.counted()``: not a test, not deleted, not cancelled);
- daily metrics by period and channel: ``daily_metrics()``, ``daily_rows()``, ``summarise()``;
- the orders of one day with their status: ``orders_of_day()``;
- source freshness: ``source_freshness()``.
"""

from datetime import date, datetime

from django.db.models import QuerySet

from etl.metrics.read import daily_rows, orders_of_day, summarise
from etl.models import Channel, DailyMetric, Order
from etl.pipeline import Freshness
from etl.pipeline import freshness as source_freshness

__all__ = [
    "Channel",
    "Freshness",
    "counted_orders",
    "daily_metrics",
    "daily_rows",
    "orders_of_day",
    "source_freshness",
    "summarise",
]


def counted_orders(since: datetime | None = None) -> QuerySet[Order]:
    """The orders that count in every figure, created at or after ``since`` when given."""
    orders = Order.objects.counted()
    return orders if since is None else orders.filter(created_at__gte=since)


def daily_metrics(start: date, end: date, channel: str = Channel.ALL) -> QuerySet[DailyMetric]:
    """The ``channel``'s DailyMetric rows dated from ``start`` to before ``end``."""
    return DailyMetric.objects.filter(channel=channel, date__gte=start, date__lt=end)
