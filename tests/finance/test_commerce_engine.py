"""The commerce engine on small hand-worked numbers (the working is in the comments)."""

import datetime as dt
from decimal import Decimal as D

from finance import commerce
from finance.commerce import CommerceDrivers
from finance.levers import commerce_lever_effects, rank_by_break_even, rank_by_mrr

JAN = dt.date(2026, 1, 1)

STORE = CommerceDrivers(
    start_month=JAN,
    horizon_months=3,
    starting_cash=D("10000"),
    ad_budget=D("1000"),
    ad_budget_growth_pct=D("0"),
    cac=D("50"),
    organic_new_customers=D("10"),
    cogs_pct=D("40"),
    payment_fee_pct=D("3"),
    fixed_salaries=D("2000"),
    fixed_tools=D("500"),
    fixed_other=D("500"),
    first_order_aov=D("60"),
    repeat_aov=D("50"),
    orders_per_returning_customer=D("1.5"),
    discount_pct=D("10"),
    returns_pct=D("5"),
    fulfilment_per_order=D("5"),
    repeat_curve=(D("20"), D("10")),
    prior_cohorts=((dt.date(2025, 12, 1), D("100")),),
)


def column(months, name):
    return [getattr(m, name) for m in months]


def test_each_commerce_formula_on_hand_worked_months():
    months = commerce.project(STORE)
    # month 1: spend 1000 / CAC 50 = 20 paid + 10 organic = 30 new;
    #   returning: December's 100 x 20 % (k=1) = 20; x 1.5 orders = 30 repeat orders; orders 60;
    #   gross 30 x 60 + 30 x 50 = 3300; discounts 10 % = 330; returns 5 % = 165; net 2805;
    #   COGS 40 % = 1122; CM1 1683; fees 3 % of 2805 = 84.15; fulfilment 60 x 5 = 300 -> 384.15;
    #   CM2 1298.85; CM3 1298.85 - 1000 = 298.85; operating 298.85 - 3000 = -2701.15; cash 7298.85.
    # month 2: new 30; returning December k=2 100 x 10 % = 10 + January k=1 30 x 20 % = 6 -> 16;
    #   24 repeat orders; orders 54; gross 1800 + 1200 = 3000; discounts 300; returns 150; net 2550;
    #   COGS 1020; CM1 1530; fees 76.50; fulfilment 270 + 76.50 = 346.50; CM2 1183.50; CM3 183.50;
    #   operating -2816.50; cash 4482.35.
    # month 3 (December is past the 2-month curve: its last value 10 % holds):
    #   returning 100 x 10 % + 30 x 10 % + 30 x 20 % = 10 + 3 + 6 = 19; 28.5 repeat orders; orders 58.5;
    #   gross 1800 + 1425 = 3225; discounts 322.50; returns 161.25; net 2741.25; COGS 1096.50;
    #   CM1 1644.75; fees 82.2375 -> 82.24; fulfilment 292.50 + 82.24 = 374.74; CM2 1270.01;
    #   CM3 270.01; operating -2729.99; cash 1752.36.
    expected = {
        "new_customers": ["30", "30", "30"],
        "returning_customers": ["20", "16", "19"],
        "orders": ["60", "54", "58.5"],
        "gross_sales": ["3300", "3000", "3225"],
        "discounts": ["330", "300", "322.50"],
        "returns": ["165", "150", "161.25"],
        "net_sales": ["2805", "2550", "2741.25"],
        "cogs": ["1122", "1020", "1096.50"],
        "cm1": ["1683", "1530", "1644.75"],
        "payment_fees": ["84.15", "76.50", "82.24"],
        "fulfilment_fees": ["384.15", "346.50", "374.74"],
        "cm2": ["1298.85", "1183.50", "1270.01"],
        "ad_spend": ["1000", "1000", "1000"],
        "cm3": ["298.85", "183.50", "270.01"],
        "fixed_costs": ["3000", "3000", "3000"],
        "operating_profit": ["-2701.15", "-2816.50", "-2729.99"],
        "cash": ["7298.85", "4482.35", "1752.36"],
    }
    for name, values in expected.items():
        assert column(months, name) == [D(v) for v in values], name
    # runway: 7298.85 / 2701.15 = 2.70 -> 2.7 months
    assert months[0].runway_months == D("2.7")


def test_a_decaying_tail_beyond_the_curve():
    months = commerce.project(STORE.with_values(repeat_tail_decay_pct=D("50")))
    # month 3: December k=3 is one month past the curve: 10 % x (1 - 50 %) = 5 % -> 5; + 3 + 6 = 14
    assert months[2].returning_customers == D("14")
    assert STORE.with_values(repeat_tail_decay_pct=D("50")).repeat_share(4) == D("0.025")


def test_channel_cacs_split_the_spend():
    drivers = STORE.with_values(meta_spend_share_pct=D("60"), cac_meta=D("40"), cac_tiktok=D("80"))
    # Meta 600 / 40 = 15, TikTok 400 / 80 = 5: 20 paid + 10 organic
    assert commerce.project(drivers)[0].new_customers == D("30")
    # effective CAC 1 / (0.6 / 40 + 0.4 / 80) = 1 / 0.02 = 50
    assert drivers.effective_cac() == D("50.00")


def test_unit_economics_value_ltv_and_payback():
    economics = commerce.unit_economics(STORE)
    # first order: 60 x (1 - 15 %) x (1 - 43 %) - 5 = 29.07 - 5 = 24.07
    assert economics.first_order_cm2 == D("24.07")
    # repeat order: 50 x 0.85 x 0.57 - 5 = 19.225 -> 19.23
    assert economics.repeat_order_cm2 == D("19.23")
    # months 1..11: 20 % + ten months at 10 % (held) = 1.2, x 1.5 orders = 1.8 repeat orders
    assert economics.repeat_orders_12 == D("1.8")
    # 24.07 + 1.8 x 19.23 = 58.684 -> 58.68; LTV:CAC 58.68 / 50 = 1.1736 -> 1.17
    assert economics.value_12 == D("58.68")
    assert economics.ltv_to_cac == D("1.17")
    # cumulative CM2: month 0 24.07; month 1 + 0.3 x 19.23 = 29.839; then + 2.8845 a month:
    #   month 7 = 29.839 + 6 x 2.8845 = 47.146 < 50; month 8 = 50.0305 >= 50
    assert economics.cac_payback_months == 8


def test_zero_cac_and_no_ads_means_organic_only_and_no_ratios():
    drivers = STORE.with_values(ad_budget=D("0"), cac=D("0"))
    months = commerce.project(drivers)
    assert months[0].new_customers == D("10")
    assert months[0].ad_spend == D("0")
    economics = commerce.unit_economics(drivers)
    assert economics.effective_cac is None
    assert economics.ltv_to_cac is None
    assert economics.cac_payback_months is None


def test_break_even_in_month_13():
    # 100 organic new customers a month at 100, 10 % of every cohort back each month after (held):
    #   net sales in month m = 100 x 100 + 10 x (m - 1) x 100 = 10000 + 1000 (m - 1);
    #   fixed 21500: month 12 makes 21000 (-500), month 13 22000 (+500).
    drivers = CommerceDrivers(
        start_month=JAN,
        horizon_months=14,
        starting_cash=D("100000"),
        ad_budget=D("0"),
        ad_budget_growth_pct=D("0"),
        cac=D("0"),
        organic_new_customers=D("100"),
        cogs_pct=D("0"),
        payment_fee_pct=D("0"),
        fixed_salaries=D("21500"),
        fixed_tools=D("0"),
        fixed_other=D("0"),
        first_order_aov=D("100"),
        repeat_aov=D("100"),
        repeat_curve=(D("10"),),
    )
    result = commerce.forecast(drivers)
    assert result.months[11].operating_profit == D("-500")
    assert result.months[12].operating_profit == D("500")
    assert result.summary.break_even_month == 13
    assert result.summary.break_even_period == dt.date(2027, 1, 1)
    # cash falls until month 12: 100000 - (11500 + 10500 + ... + 500) = 100000 - 72000 = 28000
    assert result.summary.cash_trough == D("28000")
    assert result.summary.cash_trough_month == 12


def test_inventory_cover_ties_cash_in_stock():
    drivers = STORE.with_values(inventory_days=15)
    months = commerce.project(drivers)
    # stock = next month's COGS x 15 / 30: month 1 holds 1020 / 2 = 510, on hand before: 1122 / 2 = 561
    #   -> -51 tied up (51 released); month 2 holds 1096.50 / 2 = 548.25 -> +38.25;
    #   month 3 (last) holds its own 548.25 -> 0
    assert column(months, "inventory_cash") == [D("-51"), D("38.25"), D("0")]
    # cash month 1: 10000 - 2701.15 + 51 = 7349.85
    assert months[0].cash == D("7349.85")


def test_levers_rank_by_the_larger_one_sided_move():
    effects = commerce_lever_effects(STORE.with_values(horizon_months=12))
    names = {e.driver for e in effects}
    assert {"first_order_aov", "repeat_curve", "cac", "discount_pct"} <= names
    top = rank_by_mrr(effects)[0]
    # CAC ranks first by its larger side: -20 % buys 1000 / 40 = 25 paid customers a month (+5),
    #   +20 % only 1000 / 60 = 16.67 (-3.33); the swing is the low side's move.
    assert top.driver == "cac"
    low, high = abs(top.mrr_12_low - top.mrr_12_base), abs(top.mrr_12_high - top.mrr_12_base)
    assert low > high
    assert top.mrr_swing == low
    assert rank_by_break_even(effects)
