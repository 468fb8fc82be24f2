"""Monthly actuals from the daily metrics, and actual vs forecast for the months that have passed."""

import datetime as dt
from decimal import Decimal as D

import pytest
import time_machine

from etl.models import Channel
from finance.actuals import actual_vs_forecast, monthly_actuals
from finance.services import run_forecast

pytestmark = pytest.mark.django_db


def test_it_sums_the_store_wide_rows_by_calendar_month(daily_metric):
    daily_metric(dt.date(2026, 1, 1), net_sales="100.50", spend="40", new_customers=2)
    daily_metric(dt.date(2026, 1, 31), net_sales="200", spend="60.25", new_customers=3)
    daily_metric(dt.date(2026, 2, 1), net_sales="7", spend="1", new_customers=1)
    # Channel rows carry spend too; only the "all" row counts, or spend would be doubled.
    daily_metric(dt.date(2026, 1, 15), spend="999", channel=Channel.META)
    actuals = monthly_actuals(dt.date(2026, 1, 1), dt.date(2026, 3, 1))
    january = actuals[dt.date(2026, 1, 1)]
    assert (january.revenue, january.ad_spend, january.new_customers, january.days) == (
        D("300.50"),
        D("100.25"),
        5,
        2,
    )
    assert actuals[dt.date(2026, 2, 1)].revenue == D("7.00")


def test_a_month_without_rows_is_absent_not_zero(daily_metric):
    daily_metric(dt.date(2026, 1, 10), net_sales="10")
    assert list(monthly_actuals(dt.date(2026, 1, 1), dt.date(2026, 4, 1))) == [dt.date(2026, 1, 1)]


def test_the_end_month_is_left_out(daily_metric):
    daily_metric(dt.date(2026, 3, 1), net_sales="10")
    assert monthly_actuals(dt.date(2026, 1, 1), dt.date(2026, 3, 1)) == {}


def test_a_dst_change_day_belongs_to_its_own_month(daily_metric):
    # 2026-03-08 is the spring-forward day in Toronto (23 hours); it is still a March day.
    daily_metric(dt.date(2026, 3, 8), net_sales="23")
    daily_metric(dt.date(2026, 11, 1), net_sales="25")  # fall-back day, 25 hours
    actuals = monthly_actuals(dt.date(2026, 1, 1), dt.date(2027, 1, 1))
    assert actuals[dt.date(2026, 3, 1)].revenue == D("23.00")
    assert actuals[dt.date(2026, 11, 1)].revenue == D("25.00")


def test_it_aggregates_in_one_query(daily_metric, django_assert_num_queries):
    for day in range(1, 29):
        daily_metric(dt.date(2026, 2, day), net_sales="1")
    with django_assert_num_queries(1):
        monthly_actuals(dt.date(2026, 1, 1), dt.date(2027, 1, 1))


@time_machine.travel(dt.datetime(2026, 3, 15, 12, tzinfo=dt.UTC), tick=False)
def test_actual_vs_forecast_compares_only_whole_ended_months(make_set, make_scenario, daily_metric):
    run = run_forecast(make_scenario("Base", make_set()), produced_by="tests")
    # Forecast (GROWING): January revenue 5340, ad spend 1000, 15 new customers.
    # January has a row every day: 31 x 161.29 = 4999.99 net sales, 31 x 35.48 = 1099.88 spend.
    for day in range(1, 32):
        daily_metric(
            dt.date(2026, 1, day), net_sales="161.29", spend="35.48", new_customers=1 if day <= 12 else 0
        )
    daily_metric(dt.date(2026, 2, 5), net_sales="5000")  # one February day only: partial
    daily_metric(dt.date(2026, 3, 2), net_sales="999")  # the current month: partial
    months = actual_vs_forecast(run)
    assert [m.period for m in months] == [dt.date(2026, 1, 1), dt.date(2026, 2, 1), dt.date(2026, 3, 1)]
    assert [m.partial for m in months] == [False, True, True]
    january = months[0]
    assert (january.days_with_data, january.days_in_month) == (31, 31)
    revenue = january.metrics["revenue"]
    # 4999.99 - 5340 = -340.01; / 5340 = -6.367 % -> -6.4
    assert (revenue.actual, revenue.forecast, revenue.variance, revenue.variance_pct) == (
        D("4999.99"),
        D("5340"),
        D("-340.01"),
        D("-6.4"),
    )
    assert january.metrics["ad_spend"].variance == D("99.88")
    assert january.metrics["new_customers"].variance == D("-3")
    february = months[1]
    # A month with one day of data shows its actual, never a variance (no -100 % or -6 %).
    assert february.metrics["revenue"].actual == D("5000.00")
    assert february.metrics["revenue"].variance is None
    assert february.metrics["revenue"].variance_pct is None
    assert months[2].metrics["revenue"].variance is None


@time_machine.travel(dt.datetime(2026, 2, 1, 4, 30, tzinfo=dt.UTC), tick=False)
def test_a_month_has_passed_only_once_it_has_ended_in_the_reporting_time_zone(make_set, make_scenario):
    # 04:30 UTC on 1 February is still 31 January, 23:30 in Toronto: January has not ended.
    run = run_forecast(make_scenario("Base", make_set()), produced_by="tests")
    months = actual_vs_forecast(run)
    assert [(m.period, m.partial) for m in months] == [(dt.date(2026, 1, 1), True)]
