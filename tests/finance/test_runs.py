"""Assumption set versions, scenarios with overrides, and saved forecast runs."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError

from finance import engine
from finance.models import AssumptionSet, ForecastMonth, ImmutableError
from finance.services import ForecastInputError, drivers_from_inputs, run_forecast
from finance.versions import save_new_version
from tests.finance.cases import COLUMNS, expected

pytestmark = pytest.mark.django_db

# GROWING over 12 months with churn overridden to 0 (an "Optimistic" scenario), by hand:
# month 1: no churn; expansion 5000 x 2 % = 100; 15 new -> 750; MRR 5850, active 115;
#   COGS 1170, fees 292.50, gross 4387.50, operating 4387.50 - 1000 - 3000 = 387.50, cash 10387.50.
# month 2: expansion 117; 16 new -> 800; MRR 6767, active 131; COGS 1353.40, fees 338.35,
#   gross 5075.25, operating 975.25, cash 11362.75.
# month 3: expansion 135.34; 17.1 new -> 855; MRR 7757.34, active 148.1; COGS 1551.468 -> 1551.47,
#   fees 387.867 -> 387.87, gross 5818.00, operating 5818 - 1210 - 3000 = 1608, cash 12970.75.
NO_CHURN_ROWS = {
    "new_customers": ["15", "16", "17.1"],
    "churned_customers": ["0", "0", "0"],
    "active_customers": ["115", "131", "148.1"],
    "new_mrr": ["750", "800", "855"],
    "expansion_mrr": ["100", "117", "135.34"],
    "churned_mrr": ["0", "0", "0"],
    "mrr": ["5850", "6767", "7757.34"],
    "revenue": ["5850", "6767", "7757.34"],
    "cogs": ["1170", "1353.40", "1551.47"],
    "payment_fees": ["292.50", "338.35", "387.87"],
    "gross_profit": ["4387.50", "5075.25", "5818"],
    "ad_spend": ["1000", "1100", "1210"],
    "fixed_costs": ["3000", "3000", "3000"],
    "operating_profit": ["387.50", "975.25", "1608"],
    "one_off_costs": ["0", "0", "0"],
    "cash": ["10387.50", "11362.75", "12970.75"],
    "runway_months": [None, None, None],
}


def stored_table(run, months=3) -> dict[str, list]:
    rows = list(run.months.order_by("month")[:months])
    return {column: [getattr(row, column) for row in rows] for column in COLUMNS}


def test_an_assumption_set_cannot_be_changed_in_place(make_set):
    plan = make_set()
    plan.price = D("60")
    with pytest.raises(ImmutableError):
        plan.save()
    assert AssumptionSet.objects.get().price == D("50")


def test_saving_an_edit_makes_the_next_version_and_keeps_the_old_one(make_set):
    first = make_set()
    edited = AssumptionSet.objects.get(pk=first.pk)
    edited.churn_pct = D("4")
    second = save_new_version(edited).assumption_set
    assert (second.name, second.version, second.previous_id) == ("Plan", 2, first.pk)
    assert second.pk != first.pk
    assert AssumptionSet.objects.get(pk=first.pk).churn_pct == D("10")
    assert list(AssumptionSet.objects.current()) == [second]
    assert not AssumptionSet.objects.get(pk=first.pk).is_current


def test_scenarios_follow_the_new_version_and_runs_keep_theirs(make_set, make_scenario):
    first = make_set()
    base = make_scenario("Base", first)
    old_run = run_forecast(base, produced_by="tests")
    edited = AssumptionSet.objects.get(pk=first.pk)
    edited.price = D("60")
    result = save_new_version(edited)
    base.refresh_from_db()
    assert base.assumption_set == result.assumption_set
    assert result.scenarios == [base]
    old_run.refresh_from_db()
    assert old_run.assumption_set_id == first.pk
    assert old_run.inputs["price"] == "50"
    assert base.history.count() == 2, "the move is in the scenario's history"


def test_a_scenario_override_is_projected_as_computed_by_hand(make_set, make_scenario):
    scenario = make_scenario(
        "Optimistic", make_set(), {"churn_pct": {"value": "0", "notes": "best cohort so far"}}
    )
    run = run_forecast(scenario, produced_by="tests")
    assert stored_table(run) == expected(NO_CHURN_ROWS)
    assert run.overrides == {"churn_pct": {"value": "0", "notes": "best cohort so far"}}
    assert run.inputs["churn_pct"] == "0"
    # Zero churn is floored for LTV, and the run says so.
    assert run.summary["churn_floored"] is True
    assert run.summary["churn_pct_used"] == "1"


def test_a_run_keeps_its_months_summary_and_levers(make_set, make_scenario):
    run = run_forecast(make_scenario("Base", make_set()), produced_by="tests")
    assert run.months.count() == 12
    assert run.break_even_month == 1
    assert run.month_12_mrr == run.months.get(month=12).mrr
    assert run.summary["month_12_mrr"] == str(run.month_12_mrr)
    assert run.summary["ltv"] == "375.00"
    assert {row["driver"] for row in run.levers} >= {"price", "churn_pct", "cac", "fixed_salaries"}
    assert run.levers[0]["rank_mrr"] == 1
    assert run.engine_version == engine.ENGINE_VERSION


def test_re_running_the_same_inputs_gives_the_same_rows(make_set, make_scenario):
    scenario = make_scenario("Base", make_set())
    first, second = run_forecast(scenario, produced_by="tests"), run_forecast(scenario, produced_by="tests")
    fields = ["month", "period", *COLUMNS]
    assert list(first.months.values_list(*fields)) == list(second.months.values_list(*fields))
    assert first.inputs == second.inputs
    assert first.inputs_hash == second.inputs_hash
    assert (first.summary, first.levers) == (second.summary, second.levers)


def test_a_run_can_be_repeated_from_its_stored_inputs(make_set, make_scenario):
    run = run_forecast(make_scenario("Base", make_set()), produced_by="tests")
    again = engine.project(drivers_from_inputs(run.inputs))
    fields = ["month", "period", *COLUMNS]
    assert [tuple(getattr(m, f) for f in fields) for m in again] == list(run.months.values_list(*fields))


def test_a_scenario_whose_overrides_clash_with_its_set_is_refused_naming_both(make_set, make_scenario):
    scenario = make_scenario("Broken", make_set(), {"cac": {"value": "0", "notes": ""}})
    with pytest.raises(ForecastInputError, match=r"scenario Broken: cac: CAC must be above 0"):
        run_forecast(scenario, produced_by="tests")
    assert ForecastMonth.objects.count() == 0
    with pytest.raises(ValidationError, match="cac: CAC must be above 0"):
        scenario.full_clean()


def test_a_shorter_horizon_override_leaves_later_one_off_costs_out(make_set, make_scenario):
    plan = make_set(
        horizon_months=24,
        one_off_costs=[
            {"month": "2026-03", "amount": "500.00", "label": "in"},
            {"month": "2027-06", "amount": "900.00", "label": "after month 12"},
        ],
    )
    run = run_forecast(make_scenario("Short", plan, {"horizon_months": 12}), produced_by="tests")
    assert run.months.count() == 12
    assert sum(m.one_off_costs for m in run.months.all()) == D("500.00")
    assert run.inputs["one_off_costs"] == [{"month": "2026-03", "amount": "500.00", "label": "in"}]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("churn_pct", D("120"), "Monthly customer churn (%) must be between 0 and 100 %; got 120 %"),
        ("price", D("-5"), "Price / ARPA cannot be negative; got -5"),
        ("horizon_months", 48, "Horizon (months) must be between 12 and 36; got 48"),
    ],
)
def test_model_validation_names_the_field(field, value, message):
    from tests.finance.conftest import plan_values

    draft = AssumptionSet(name="Plan", start_month=dt.date(2026, 1, 1), **plan_values(**{field: value}))
    with pytest.raises(ValidationError) as error:
        draft.full_clean()
    assert error.value.message_dict[field] == [message]
