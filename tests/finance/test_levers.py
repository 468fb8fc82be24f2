"""Sensitivity: each lever moved -20 % / +20 % on its own, ranked."""

from decimal import Decimal as D

from finance.drivers import LEVERS
from finance.levers import lever_effects, rank_by_break_even, rank_by_mrr, top_levers
from tests.finance.cases import GROWING, STARTING


def by_name(effects):
    return {effect.driver: effect for effect in effects}


def test_every_lever_is_moved_down_and_up_by_20_percent():
    effects = by_name(lever_effects(GROWING))
    assert set(effects) == {driver.name for driver in LEVERS}
    price = effects["price"]
    assert (price.base_value, price.low_value, price.high_value) == (D("50"), D("40.00"), D("60.00"))
    assert "starting_cash" not in effects, "facts are not levers"


def test_a_price_lever_changes_month_12_mrr_as_computed_by_hand():
    # Horizon 3: "month 12" is month 3. New MRR is 750 + 800 + 855 at price 50; at 40 each is 20 % less,
    # so MRR falls by 150 in month 1, carried with 10 % churn and 2 % expansion.
    price = by_name(lever_effects(GROWING))["price"]
    # month 1: 5340 - 150 = 5190; month 2: 5190 - 519 + 93.42 + 640 = 5404.42;
    # month 3: 5404.42 - 540.44 + 97.28 + 684 = 5645.26
    assert price.mrr_12_low == D("5645.26")
    assert price.mrr_12_base == D("6089.55")


def test_a_move_past_the_drivers_range_is_held_at_the_bound():
    effect = by_name(lever_effects(GROWING.with_values(churn_pct=D("90"))))["churn_pct"]
    assert (effect.low_value, effect.high_value) == (D("72.000"), D("100"))
    assert effect.clamped


def test_levers_are_ranked_by_their_effect_on_month_12_mrr():
    ranked = [e.driver for e in rank_by_mrr(lever_effects(GROWING.with_values(horizon_months=12)))]
    mrr_neutral = {"cogs_pct", "payment_fee_pct", "fixed_salaries", "fixed_tools", "fixed_other"}
    assert set(ranked[-len(mrr_neutral) :]) == mrr_neutral
    assert ranked[0] == "price"


def test_levers_are_ranked_by_their_effect_on_the_break_even_month():
    # STARTING breaks even at month 5 over 12 months (MRR 1000 more each month against 5000 of costs).
    effects = lever_effects(STARTING.with_values(horizon_months=12))
    assert effects[0].break_even_base == 5
    ranked = rank_by_break_even(effects)
    assert ranked[0].break_even_swing >= ranked[1].break_even_swing >= ranked[-1].break_even_swing
    assert {e.driver for e in ranked if e.break_even_swing == 0} >= {"churn_pct", "expansion_pct"}
    salaries = by_name(effects)["fixed_salaries"]
    # Salaries 2400 instead of 3000: costs 4400, MRR 5000 reaches them in month 5 still (4000 < 4400).
    assert salaries.break_even_low == 5
    # Salaries 3600: costs 5600, MRR first reaches them in month 6.
    assert salaries.break_even_high == 6


def test_a_break_even_pushed_out_of_the_horizon_counts_as_the_month_after_it():
    effect = by_name(lever_effects(STARTING.with_values(horizon_months=12, fixed_salaries=D("9000"))))
    price = effect["price"]
    assert price.break_even_base == 11
    assert price.break_even_low is None
    assert price.break_even_shift("low") == 13 - 11


def test_top_levers_leave_out_levers_that_move_nothing():
    top = top_levers(lever_effects(STARTING.with_values(horizon_months=12)), count=3)
    assert len(top["mrr"]) == 3
    assert all(e.mrr_swing > 0 for e in top["mrr"])
    assert all(e.break_even_swing > 0 for e in top["break_even"])
    assert "churn_pct" not in [e.driver for e in top["mrr"]], "zero churn moved by 20 % is still zero"
