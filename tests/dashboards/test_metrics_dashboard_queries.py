"""The dashboard for 365 days answers in a fixed number of queries, whatever the number of orders."""

from datetime import date, timedelta

import pytest
import time_machine

from etl.metrics import compute
from tests.metrics.factories import InsightFactory, OrderFactory, RefundFactory, at

pytestmark = pytest.mark.django_db
URL = "/admin/dashboards/metrics/"
# Session, user, the daily rows of the three periods, the sources' freshness.
MAX_QUERIES = 4


def add_orders(count: int) -> None:
    for n in range(count):
        order = OrderFactory(
            created_at=at(date(2025, 3, 19) - timedelta(days=n % 365)), lines=[("25.00", 1, None)]
        )
        if n % 5 == 0:
            RefundFactory(order=order, created_at=at(date(2025, 3, 19)))


@pytest.mark.parametrize("orders", [10, 120])
@time_machine.travel("2025-03-20 10:00:00-04:00", tick=False)
def test_the_365_day_page_takes_a_fixed_number_of_queries(
    admin_client, django_assert_max_num_queries, orders
):
    InsightFactory(date=date(2025, 3, 1))
    add_orders(orders)
    compute(date(2023, 3, 20), date(2025, 3, 19))
    admin_client.get(URL)  # warm the session
    with django_assert_max_num_queries(MAX_QUERIES):
        response = admin_client.get(URL, {"range": "custom", "since": "2024-03-20", "until": "2025-03-19"})
    assert response.status_code == 200
    assert len(response.context["page"].chart_data["labels"]) == 365
    with django_assert_max_num_queries(MAX_QUERIES):
        admin_client.get(
            URL, {"range": "custom", "since": "2024-03-20", "until": "2025-03-19", "channel": "all"}
        )
