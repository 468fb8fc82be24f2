"""etl migration 0007: the first-order flags become FirstOrder rows, and back when reversed."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE, AFTER = ("etl", "0006_order_source_digest"), ("etl", "0007_firstorder")


def migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target])
    return executor.loader.project_state([target]).apps


@pytest.mark.django_db(transaction=True)
def test_the_flags_are_copied_to_first_orders_and_back():
    apps = migrate(BEFORE)
    Order = apps.get_model("etl", "Order")
    when = datetime(2025, 3, 1, tzinfo=UTC)
    for n in range(5):
        Order.objects.create(
            shop="s.myshopify.com", external_id=n, created_at=when, updated_at=when, currency="USD",
            customer_key=f"customer:{n}", first_order=n % 2 == 0,
        )  # fmt: skip
    flagged = sorted(Order.objects.filter(first_order=True).values_list("id", flat=True))
    try:
        apps = migrate(AFTER)
        FirstOrder = apps.get_model("etl", "FirstOrder")
        assert sorted(FirstOrder.objects.values_list("order_id", flat=True)) == flagged
        apps = migrate(BEFORE)
        Order = apps.get_model("etl", "Order")
        assert sorted(Order.objects.filter(first_order=True).values_list("id", flat=True)) == flagged
    finally:
        migrate(AFTER)
