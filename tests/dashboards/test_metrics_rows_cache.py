"""The dashboard's day rows are kept per range and data version (the runs' freshness):
a repeated view costs one query, and a finished metrics run shows its new numbers."""

import io
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bizops.dashboards import metrics, periods
from tests.metrics.factories import InsightFactory

pytestmark = pytest.mark.django_db
YESTERDAY = date(2025, 3, 19)
URL = "/admin/dashboards/metrics/"


def thirty_days():
    return periods.select({"range": "30"}, YESTERDAY)


@time_machine.travel("2025-03-20 10:00:00-04:00", tick=False)
def test_a_repeated_view_of_the_same_range_costs_one_query_the_version_check(daily_metrics):
    daily_metrics()
    first = metrics.build(thirty_days())
    with CaptureQueriesContext(connection) as queries:
        again = metrics.build(thirty_days())
    (only,) = queries
    assert "health_jobrun" in only["sql"]  # the sources' freshness, which is the version check
    assert [k.value for k in again.kpis] == [k.value for k in first.kpis]
    assert again.chart_data == first.chart_data


@time_machine.travel("2025-03-20 10:00:00-04:00", tick=False)
def test_another_range_reads_its_own_rows(daily_metrics):
    daily_metrics()
    thirty = metrics.build(thirty_days())
    seven = metrics.build(periods.select({"range": "7"}, YESTERDAY))
    assert len(seven.chart_data["labels"]) == 7
    assert len(thirty.chart_data["labels"]) == 30
    assert seven.kpis[1].value == Decimal(700)  # ad spend: 100 a day
    assert thirty.kpis[1].value == Decimal(3000)


def spend(admin_client) -> Decimal:
    return admin_client.get(URL).context["page"].kpis[1].value


@time_machine.travel("2025-03-20 10:00:00-04:00")
def test_a_recompute_shows_new_numbers_on_the_next_view(admin_client):
    InsightFactory(date=date(2025, 3, 10), spend=Decimal("100.00"))
    call_command("compute_metrics", since="2025-03-01", until="2025-03-19", stdout=io.StringIO())
    assert spend(admin_client) == spend(admin_client) == Decimal(100)
    InsightFactory(date=date(2025, 3, 11), spend=Decimal("50.00"))
    call_command("compute_metrics", since="2025-03-01", until="2025-03-19", stdout=io.StringIO())
    assert spend(admin_client) == Decimal(150)


def test_the_rows_kept_are_bounded(daily_metrics, monkeypatch):
    monkeypatch.setattr(metrics, "ROWS_CACHE_SIZE", 2)
    for day in range(1, 6):
        metrics.day_rows("version", (date(2025, 3, day), date(2025, 3, day)))
    assert len(metrics._rows_cache) == 2
