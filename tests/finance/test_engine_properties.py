"""Properties of the engine that hold for any valid drivers (hypothesis)."""

import datetime as dt
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from finance.drivers import add_months
from finance.engine import Drivers, OneOff, money, project

# No example database on disk, and no deadline: the suite runs on shared,
# busy machines where timing says nothing about correctness.
PROPERTIES = settings(
    max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
START = dt.date(2026, 1, 1)


def amounts(max_value: int, places: int = 2):
    return st.decimals(min_value=0, max_value=max_value, places=places, allow_nan=False, allow_infinity=False)


def percents(min_value: int = 0, max_value: int = 100):
    return st.decimals(
        min_value=min_value, max_value=max_value, places=3, allow_nan=False, allow_infinity=False
    )


@st.composite
def drivers(draw) -> Drivers:
    horizon = draw(st.integers(min_value=12, max_value=36))
    customers = Decimal(draw(st.integers(min_value=0, max_value=5000)))
    cogs = draw(percents())
    one_offs = draw(
        st.lists(
            st.builds(
                OneOff,
                month=st.integers(min_value=0, max_value=horizon - 1).map(lambda n: add_months(START, n)),
                amount=amounts(50_000),
            ),
            max_size=4,
        )
    )
    return Drivers(
        start_month=START,
        horizon_months=horizon,
        starting_cash=draw(amounts(2_000_000)),
        starting_customers=customers,
        starting_mrr=draw(amounts(500_000)) if customers else Decimal(0),
        price=draw(amounts(1_000)),
        ad_budget=draw(amounts(100_000)),
        ad_budget_growth_pct=draw(percents(-100, 100)),
        cac=draw(amounts(2_000).filter(lambda v: v > 0)),
        organic_new_customers=draw(amounts(500)),
        churn_pct=draw(percents()),
        expansion_pct=draw(percents(0, 20)),
        cogs_pct=cogs,
        payment_fee_pct=draw(percents(0, 100).filter(lambda v: v + cogs <= 100)),
        fixed_salaries=draw(amounts(200_000)),
        fixed_tools=draw(amounts(20_000)),
        fixed_other=draw(amounts(20_000)),
        one_off_costs=tuple(one_offs),
    )


@PROPERTIES
@given(drivers())
def test_cash_moves_by_operating_profit_less_one_off_costs_every_month(d):
    previous = money(d.starting_cash)
    for month in project(d):
        assert month.cash == previous + month.operating_profit - month.one_off_costs
        previous = month.cash


@PROPERTIES
@given(drivers())
def test_one_off_costs_in_the_rows_add_up_to_the_ones_entered(d):
    assert sum(m.one_off_costs for m in project(d)) == sum(money(o.amount) for o in d.one_off_costs)


@PROPERTIES
@given(drivers())
def test_active_customers_are_never_negative(d):
    for month in project(d):
        assert month.active_customers >= 0
        assert month.churned_customers >= 0
        assert month.mrr >= 0


@PROPERTIES
@given(drivers(), amounts(500).filter(lambda v: v > 0))
def test_raising_the_price_never_lowers_mrr(d, raise_by):
    before = project(d)
    after = project(d.with_values(price=d.price + raise_by))
    for low, high in zip(before, after, strict=True):
        assert high.mrr >= low.mrr


@PROPERTIES
@given(drivers())
def test_mrr_moves_by_its_movements(d):
    previous = money(d.starting_mrr)
    for month in project(d):
        assert month.mrr == previous + month.new_mrr + month.expansion_mrr - month.churned_mrr
        assert month.gross_profit == month.revenue - month.cogs - month.payment_fees
        assert month.operating_profit == month.gross_profit - month.ad_spend - month.fixed_costs
        previous = month.mrr


@PROPERTIES
@given(drivers())
def test_the_same_inputs_give_the_same_rows(d):
    assert project(d) == project(d)
