"""The forecast engine on hand-computed cases (no database)."""

import datetime as dt
from decimal import Decimal as D

import pytest

from finance.engine import OneOff, forecast, project
from tests.finance.cases import GROWING, GROWING_ROWS, STARTING, STARTING_ROWS, as_table, expected


@pytest.mark.parametrize(
    ("drivers", "rows"),
    [(GROWING, GROWING_ROWS), (STARTING, STARTING_ROWS)],
    ids=["growing", "starting-with-one-off"],
)
def test_it_projects_every_column_as_computed_by_hand(drivers, rows):
    assert as_table(project(drivers)) == expected(rows)


def test_it_labels_months_with_their_calendar_month():
    periods = [m.period for m in project(GROWING.with_values(start_month=dt.date(2026, 11, 1)))]
    assert periods == [dt.date(2026, 11, 1), dt.date(2026, 12, 1), dt.date(2027, 1, 1)]


@pytest.mark.parametrize(
    ("changes", "break_even"),
    [
        ({}, 1),  # GROWING: operating profit 5 in month 1
        # STARTING at price 200 and fixed 1,000: operating 2000 - 3000 = -1000, then 4000 - 3000 = 1000.
        ({"price": D("200"), "fixed_salaries": D("1000")}, 2),
        # ... and at fixed 4,000: -4000, -2000, then exactly 0 in month 3 (zero counts as break-even).
        ({"price": D("200"), "fixed_salaries": D("4000")}, 3),
    ],
    ids=["month-1", "middle", "last-month-at-exactly-zero"],
)
def test_it_finds_the_first_month_with_operating_profit_of_zero_or_more(changes, break_even):
    base = GROWING if not changes else STARTING
    summary = forecast(base.with_values(**changes)).summary
    assert summary.break_even_month == break_even
    assert summary.break_even_period == dt.date(2026, break_even, 1)


def test_it_reports_no_break_even_within_the_horizon():
    summary = forecast(STARTING).summary
    assert summary.break_even_month is None
    assert summary.break_even_period is None


def test_a_one_off_cost_lowers_cash_but_not_operating_profit():
    without = project(STARTING.with_values(one_off_costs=()))
    with_one_off = project(STARTING)
    assert [m.operating_profit for m in with_one_off] == [m.operating_profit for m in without]
    assert [m.cash for m in without] == [D("8000"), D("5000"), D("3000")]
    assert [m.cash for m in with_one_off] == [D("8000"), D("4000"), D("2000")]


def test_one_off_costs_in_the_same_month_add_up():
    feb = dt.date(2026, 2, 1)
    drivers = STARTING.with_values(one_off_costs=(OneOff(feb, D("1000")), OneOff(feb, D("250.50"))))
    assert project(drivers)[1].one_off_costs == D("1250.50")


def test_zero_churn_is_floored_for_ltv_and_the_floor_is_shown():
    economics = forecast(STARTING, churn_floor_pct=D("2")).summary.unit_economics
    assert economics.churn_floored is True
    assert economics.churn_pct_used == D("2")
    # LTV = ARPA 100 x margin 100 % / 2 % = 5000; payback = CAC 200 / (100 x 100 %) = 2 months.
    assert economics.ltv == D("5000.00")
    assert economics.cac_payback_months == D("2.0")
    assert economics.ltv_to_cac == D("25.00")


def test_zero_churn_loses_no_customers():
    assert all(m.churned_customers == 0 and m.churned_mrr == 0 for m in project(STARTING))


def test_unit_economics_use_the_real_churn_above_the_floor():
    economics = forecast(GROWING, churn_floor_pct=D("1")).summary.unit_economics
    # margin 100 - 20 - 5 = 75 %; LTV = 50 x 75 % / 10 % = 375; payback = 100 / 37.5 = 2.7 months.
    assert (economics.churn_floored, economics.churn_pct_used) == (False, D("10"))
    assert economics.gross_margin_pct == D("75")
    assert economics.ltv == D("375.00")
    assert economics.cac_payback_months == D("2.7")
    assert economics.ltv_to_cac == D("3.75")


def test_unit_economics_without_paid_acquisition_have_no_payback():
    economics = forecast(GROWING.with_values(ad_budget=D(0), cac=D(0))).summary.unit_economics
    assert economics.cac_payback_months is None
    assert economics.ltv_to_cac is None
    assert economics.ltv == D("375.00")


def test_the_summary_gives_the_cash_trough_and_when_cash_runs_out():
    summary = forecast(STARTING.with_values(starting_cash=D("5000"))).summary
    # cash 5000 -> 1000 -> -3000 -> -5000
    assert (summary.cash_trough, summary.cash_trough_month) == (D("-5000"), 3)
    assert summary.cash_out_month == 2
    assert summary.ending_cash == D("-5000")


def test_a_business_that_never_dips_has_its_trough_at_the_start():
    summary = forecast(GROWING).summary
    assert (summary.cash_trough, summary.cash_trough_month) == (D("10000"), 0)
    assert summary.cash_out_month is None


def test_the_summary_totals_and_ending_figures():
    summary = forecast(GROWING).summary
    assert summary.total_revenue == D("5340") + D("5702.12") + D("6089.55")
    assert summary.total_operating_profit == D("5") + D("176.59") + D("357.16")
    assert (summary.ending_mrr, summary.ending_customers) == (D("6089.55"), D("116.55"))
    # Shorter than 12 months, "month 12" is the last month.
    assert summary.month_12_mrr == D("6089.55")


def test_month_12_mrr_is_read_at_month_12_on_a_longer_horizon():
    result = forecast(STARTING.with_values(horizon_months=24))
    assert result.summary.month_12_mrr == result.months[11].mrr == D("12000")


def test_runway_is_zero_once_cash_is_gone():
    months = project(STARTING.with_values(starting_cash=D("3000")))
    assert months[0].cash == D("-1000")
    assert months[0].runway_months == D("0")


def test_a_budget_cut_to_nothing_stops_paid_acquisition_after_month_1():
    months = project(STARTING.with_values(ad_budget_growth_pct=D("-100")))
    assert [m.ad_spend for m in months] == [D("2000"), D("0"), D("0")]
    assert [m.new_customers for m in months] == [D("10"), D("0"), D("0")]
