"""Forecast accuracy: a run scored on synthetic actuals of known error, and the rolling-origin backtest."""

import datetime as dt
import io
from decimal import Decimal as D

import pytest
import time_machine
from django.core.management import call_command

from finance.backtest import Score, backtest_runs, by_scenario, rolling_origin, score_run
from finance.calibration import typed_values
from finance.models import AssumptionSet
from finance.page import repeat_curve
from finance.services import run_forecast
from tests.finance.test_calibration import make_store

pytestmark = pytest.mark.django_db


def commerce_plan(make_scenario):
    # 100 organic new customers a month at 30, no repeat, no ads, no costs: net sales 3,000 a month.
    plan = AssumptionSet.objects.create(
        name="Shop",
        version=1,
        revenue_model="commerce",
        start_month=dt.date(2026, 1, 1),
        horizon_months=12,
        starting_cash=D("1000"),
        starting_customers=0,
        starting_mrr=0,
        price=0,
        ad_budget=0,
        ad_budget_growth_pct=0,
        cac=0,
        organic_new_customers=D("100"),
        churn_pct=0,
        expansion_pct=0,
        cogs_pct=D("40"),
        payment_fee_pct=0,
        fixed_salaries=0,
        fixed_tools=0,
        fixed_other=0,
        commerce={"first_order_aov": "30", "repeat_aov": "30"},
    )
    return make_scenario("Base", plan)


def fill(daily_metric, month: dt.date, days: int, net_sales: str, orders: int, new: int, cm1: str):
    for day in range(1, days + 1):
        daily_metric(
            month.replace(day=day),
            net_sales=net_sales if day == 1 else "0",
            new_customers=new if day == 1 else 0,
            orders=orders if day == 1 else 0,
            cm1=D(cm1) if day == 1 else D(0),
        )


@time_machine.travel(dt.datetime(2026, 4, 10, 15, tzinfo=dt.UTC), tick=False)
def test_a_run_on_actuals_of_known_error_gives_the_expected_wape_and_bias(make_scenario, daily_metric):
    run = run_forecast(commerce_plan(make_scenario), produced_by="tests")
    month = run.months.get(month=1)
    assert (month.revenue, month.orders, month.cm1) == (D("3000"), D("100"), D("1800"))
    # January 10 % above the forecast, February 20 % below; March has a day without data (partial).
    fill(daily_metric, dt.date(2026, 1, 1), 31, "3300", 110, 110, "1980")
    fill(daily_metric, dt.date(2026, 2, 1), 28, "2400", 80, 80, "1440")
    fill(daily_metric, dt.date(2026, 3, 1), 30, "3000", 100, 100, "1800")
    score = score_run(run)
    net = score.scores["net_sales"]
    # |3300 - 3000| + |2400 - 3000| = 900 over 3300 + 2400 = 5700: WAPE 15.789 % -> 15.8 %
    # bias (3000 - 3300) + (3000 - 2400) = 300 over 5700 = +5.263 % -> +5.3 % (forecast too high)
    assert (net.months, net.wape, net.bias) == (2, D("15.8"), D("5.3"))
    assert score.scores["orders"].wape == D("15.8")
    assert score.scores["cm1"].bias == D("5.3")
    # No returning customers were forecast and none came: WAPE over zero actuals is n/a, not 0 or 100 %.
    assert score.scores["returning_customers"].wape is None
    assert [m.period for m in score.months] == [dt.date(2026, 1, 1), dt.date(2026, 2, 1)]


def test_wape_is_na_without_actuals():
    score = Score()
    score.add(D(0), D(5))
    assert (score.wape, score.bias) == (None, None)


@time_machine.travel(dt.datetime(2026, 5, 15, 15, tzinfo=dt.UTC), tick=False)
def test_the_rolling_origin_backtest_scores_each_origin_beside_the_naive_forecast():
    make_store()
    result = rolling_origin(dt.date(2026, 3, 1), typed=typed_values(None), days=59, horizon=3)
    # Origins March and April (May has not ended); March scores March and April, April scores April.
    assert [(o.origin, o.months) for o in result.origins] == [
        (dt.date(2026, 3, 1), 2),
        (dt.date(2026, 4, 1), 1),
    ]
    # Actual net sales: February 5 x 60 + 4 x 40 = 460; March 40 (the test and cancelled orders left out);
    #   April 70 + 40 = 110. Naive: March's origin forecasts February's 460 for March and April,
    #   April's forecasts March's 40: |40 - 460| + |110 - 460| + |110 - 40| = 840 over 260 = 323.1 %;
    #   bias (420 + 350 - 70) / 260 = +269.2 %.
    naive = result.naive["net_sales"]
    assert (naive.months, naive.wape, naive.bias) == (3, D("323.1"), D("269.2"))
    assert result.model["net_sales"].months == 3 and result.model["net_sales"].wape is not None
    out = io.StringIO()
    call_command("forecast", "--backtest", "2026-03", "--days", "59", stdout=out)
    text = out.getvalue()
    assert "origin 2026-03: 2 whole ended month(s) scored" in text
    assert "Net sales: " in text and "| 323.1 %, +269.2 % | 3" in text


@time_machine.travel(dt.datetime(2026, 4, 10, 15, tzinfo=dt.UTC), tick=False)
def test_scoring_many_runs_reads_the_actuals_once(make_scenario, daily_metric, django_assert_num_queries):
    scenario = commerce_plan(make_scenario)
    for _ in range(5):
        run_forecast(scenario, produced_by="tests")
    fill(daily_metric, dt.date(2026, 1, 1), 31, "3300", 110, 110, "1980")
    # The runs (with their sets), their months, the monthly actuals and the returning customers.
    with django_assert_num_queries(4):
        scores = backtest_runs()
    assert len(scores) == 5
    assert {s.scores["net_sales"].wape for s in scores} == {D("9.1")}  # 300 / 3300


def test_the_page_draws_the_curve_used_with_its_projected_tail(make_scenario):
    scenario = commerce_plan(make_scenario)
    plan = scenario.assumption_set
    AssumptionSet.objects.filter(pk=plan.pk).update(
        repeat_curve=["13.6", "9.2", "7.1"],
        commerce={"first_order_aov": "30", "repeat_aov": "30", "repeat_tail_decay_pct": "5"},
        calibration={"curve": [{"k": 1, "share": "13.6", "customers": 104, "size": 765, "cohorts": 1}]},
    )
    scenario.refresh_from_db()
    run = run_forecast(scenario, produced_by="tests")
    curve = repeat_curve(run)
    # beyond month 3: 7.1 x 0.95 = 6.745, 7.1 x 0.95^2 = 6.40775 -> 6.408
    assert curve["used"][:5] == ["13.6", "9.2", "7.1", "6.745", "6.408"]
    assert curve["projected_from"] == 4
    assert curve["measured"][:2] == ["13.6", None]


@time_machine.travel(dt.datetime(2026, 4, 10, 15, tzinfo=dt.UTC), tick=False)
def test_runs_of_a_scenario_pool_into_one_score(make_scenario, daily_metric):
    scenario = commerce_plan(make_scenario)
    run_forecast(scenario, produced_by="tests")
    AssumptionSet.objects.filter(pk=scenario.assumption_set_id).update(
        commerce={"first_order_aov": "36", "repeat_aov": "30"}
    )
    scenario.refresh_from_db()
    run_forecast(scenario, produced_by="tests")  # net sales 3,600 a month
    fill(daily_metric, dt.date(2026, 1, 1), 31, "3300", 110, 110, "1980")
    fill(daily_metric, dt.date(2026, 2, 1), 28, "2400", 80, 80, "1440")
    (pooled,) = by_scenario(backtest_runs())
    # run 1: |300| + |600| = 900; run 2: |300| + |1200| = 1500; over 2 x 5,700 = 11,400: 21.1 %
    # bias: (-300 + 600) + (300 + 1200) = 1,800 / 11,400 = +15.8 %
    net = pooled.scores["net_sales"]
    assert (pooled.scenario, pooled.runs, net.months, net.wape, net.bias) == (
        "Base",
        2,
        4,
        D("21.1"),
        D("15.8"),
    )
