"""Conversions computed from the store's orders (read through ``etl.selectors``).

A counted order (not a test, not cancelled, not deleted) is a ``purchase``
conversion of its customer (``Order.customer_key``: "customer:<id>", or
"email:<address>" for guests), valued at the order total. Experiments measured
on purchases bucket users on an attribute holding that same key.

Recomputed, not incremented: the order-sourced conversions since a date are
replaced in one transaction, so a cancelled order stops counting and running
it twice gives the same rows.
"""

from datetime import datetime

from django.db import transaction

from etl.selectors import counted_orders

PURCHASE = "purchase"
BATCH = 2000


def sync_purchases(since: datetime) -> int:
    from flags.models import Conversion

    orders = (
        counted_orders(since)
        .exclude(customer_key="")
        .values_list("shop", "external_id", "customer_key", "created_at", "total")
        .order_by("created_at", "pk")
    )
    written = 0
    with transaction.atomic():
        Conversion.objects.filter(
            source=Conversion.Source.ORDERS, metric=PURCHASE, occurred_at__gte=since
        ).delete()
        batch = []
        for shop, external_id, customer_key, created_at, total in orders.iterator(chunk_size=BATCH):
            batch.append(
                Conversion(
                    user_key=customer_key,
                    metric=PURCHASE,
                    value=total,
                    occurred_at=created_at,
                    source=Conversion.Source.ORDERS,
                    ref=f"order:{shop}:{external_id}",
                )
            )
            if len(batch) == BATCH:
                Conversion.objects.bulk_create(batch, ignore_conflicts=True)
                written += len(batch)
                batch = []
        Conversion.objects.bulk_create(batch, ignore_conflicts=True)
        written += len(batch)
    return written
