"""The metric formulas on their own: values and "n/a" over zero."""

from decimal import Decimal

import pytest

from etl.metrics import definitions as d


@pytest.mark.parametrize(
    ("function", "args"),
    [
        (d.ctr, (5, 0)),
        (d.cpc, (Decimal(10), 0)),
        (d.cpm, (Decimal(10), 0)),
        (d.channel_roas, (Decimal(10), Decimal(0))),
        (d.aov, (Decimal(10), 0)),
        (d.blended_roas, (Decimal(10), Decimal(0))),
        (d.mer, (Decimal(10), Decimal(0))),
        (d.blended_cac, (Decimal(10), 0)),
        (d.refund_rate, (Decimal(10), Decimal(0))),
        (d.cogs_coverage, (Decimal(0), Decimal(0))),
    ],
)
def test_it_answers_none_for_a_ratio_over_zero(function, args):
    assert function(*args) is None


def test_it_gives_cpm_per_thousand_impressions():
    assert d.cpm(Decimal("12.50"), 2500) == Decimal(5)


def test_it_estimates_cost_of_goods_without_a_recorded_cost_from_the_default_margin():
    # 40 recorded on 100 of sales; 300 of sales with no cost at a 75 % margin cost 75.
    assert d.cost_of_goods(Decimal(40), Decimal(100), Decimal(400), Decimal("0.75")) == Decimal(115)


def test_it_has_no_breakeven_roas_at_a_negative_margin():
    assert d.breakeven_roas(Decimal(100), Decimal(-5)) is None
    assert d.breakeven_roas(Decimal(100), Decimal(25)) == Decimal(4)


def test_it_derives_period_ratios_from_sums_not_from_averages_of_days():
    # Day 1: 100 net on 10 spend (ROAS 10); day 2: 100 net on 90 spend (1.11).
    sums = {
        "spend": Decimal(100),
        "net_sales": Decimal(200),
        "total_sales": Decimal(220),
        "orders": 4,
        "new_customers": 2,
        "returns": Decimal(0),
        "gross_sales": Decimal(200),
        "cm1": Decimal(80),
    }
    derived = d.derive_store(sums, Decimal("0.5"))
    assert derived["blended_roas"] == Decimal(2)
    assert derived["mer"] == Decimal("2.2")
    assert derived["blended_cac"] == Decimal(50)
    assert derived["aov"] == Decimal(50)
    assert derived["breakeven_roas"] == Decimal("2.5")
