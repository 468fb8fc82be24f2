"""Dates far outside the business's life get a clear message, never a server error."""

import re

import pytest
import time_machine
from django.urls import reverse

pytestmark = pytest.mark.django_db
NOW = "2025-03-20 10:00:00-04:00"
URL = "/admin/dashboards/metrics/"


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.fixture
def client(admin_client):
    # A server error answers 500 here instead of raising in the test.
    admin_client.raise_request_exception = False
    return admin_client


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("since", "until"),
    [("0001-01-01", "0001-01-05"), ("0001-01-01", "2025-03-19"), ("1999-12-31", "2000-01-10")],
)
def test_a_custom_range_starting_before_2000_says_so_and_shows_the_default(client, since, until):
    response = client.get(URL, {"range": "custom", "since": since, "until": until})
    assert response.status_code == 200
    page = text(response)
    assert "The custom range must start on or after 2000-01-01; showing last 30 days" in page
    assert "<strong>Feb 18, 2025 to Mar 19, 2025</strong> (30 days)" in page


@time_machine.travel(NOW, tick=False)
def test_a_range_longer_than_the_maximum_says_how_long_it_may_be(client):
    response = client.get(URL, {"range": "custom", "since": "2020-01-01", "until": "2025-03-19"})
    assert response.status_code == 200
    assert "A custom range is at most 1098 days (3 years); showing last 30 days" in text(response)


@time_machine.travel(NOW, tick=False)
def test_a_range_ending_in_9999_says_it_must_end_by_yesterday(client):
    response = client.get(URL, {"range": "custom", "since": "9999-12-30", "until": "9999-12-31"})
    assert response.status_code == 200
    assert "The custom range must end by yesterday (2025-03-19); showing last 30 days" in text(response)


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("day", ["0001-01-01", "1999-12-31", "9999-12-31", "2026-03-21"])
def test_the_orders_of_a_day_outside_the_window_answer_400_saying_which_days_are_shown(client, day):
    response = client.get(reverse("metrics-day-orders", args=[day]))
    assert response.status_code == 400
    assert text(response).strip() == (
        f"{day} is outside the days the dashboard shows (2000-01-01 to 2026-03-20); "
        "pick a day from the metrics table"
    )


@time_machine.travel(NOW, tick=False)
def test_the_orders_of_a_day_inside_the_window_are_shown(client):
    assert client.get(reverse("metrics-day-orders", args=["2000-01-01"])).status_code == 200
    assert client.get(reverse("metrics-day-orders", args=["2026-03-20"])).status_code == 200
