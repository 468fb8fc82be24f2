"""Assumption sets as JSON: export, import, and bad input refused whole."""

import copy
import json

import pytest

from finance.assumptions_json import (
    AssumptionImportError,
    dumps,
    export_assumption_set,
    import_text,
    loads,
    parse,
    plan,
)
from finance.models import AssumptionSet, Scenario

pytestmark = pytest.mark.django_db


@pytest.fixture
def exported(make_set, make_scenario):
    plan_set = make_set(
        one_off_costs=[{"month": "2026-03", "amount": "1200.00", "label": "Trade show"}],
        sources={"price": "list price", "churn_pct": "last 6 months of cancellations"},
        note="First plan",
    )
    make_scenario("Base", plan_set)
    make_scenario(
        "Optimistic", plan_set, {"churn_pct": {"value": "5", "notes": "retention emails"}}, position=1
    )
    return export_assumption_set(plan_set)


def test_an_export_carries_every_driver_with_its_notes_and_the_scenarios(exported):
    assert exported["name"] == "Plan"
    assert exported["version"] == 1
    assert exported["start_month"] == "2026-01"
    assert exported["currency"] == "USD"
    assert exported["shared_assumptions"]["price"] == {"value": "50.00", "notes": "list price"}
    assert exported["shared_assumptions"]["churn_pct"] == {
        "value": "10.000",
        "notes": "last 6 months of cancellations",
    }
    assert exported["shared_assumptions"]["horizon_months"] == {"value": 12, "notes": ""}
    assert exported["one_off_costs"] == [{"month": "2026-03", "amount": "1200.00", "label": "Trade show"}]
    assert exported["scenarios"]["Optimistic"]["assumptions"] == {
        "churn_pct": {"value": "5", "notes": "retention emails"}
    }


def test_importing_an_unchanged_export_makes_no_new_version(exported):
    _, result = import_text(dumps(exported))
    assert result.created_version is False
    assert AssumptionSet.objects.count() == 1
    assert result.scenarios_updated == ["Base", "Optimistic"]


def test_an_import_with_a_changed_driver_makes_the_next_version(exported):
    exported["shared_assumptions"]["price"] = {"value": "55", "notes": "price rise in March"}
    _, result = import_text(dumps(exported))
    assert (result.assumption_set.version, result.assumption_set.price) == (2, 55)
    assert result.assumption_set.sources["price"] == "price rise in March"
    assert [field for field, _, _ in result.changes] == ["price", "sources"]
    assert set(Scenario.objects.values_list("assumption_set__version", flat=True)) == {2}


def test_an_import_of_a_new_set_creates_it_and_its_scenarios(exported):
    exported["name"] = "Plan 2027"
    exported["scenarios"]["Conservative"] = {"assumptions": {"cac": {"value": "150", "notes": "CPMs up"}}}
    preview = plan(parse(loads(dumps(exported))))
    assert preview[0] == "creates the assumption set Plan 2027 v1"
    assert "creates scenario Conservative" in preview
    assert "updates scenario Base (moves it from Plan)" in preview
    _, result = import_text(dumps(exported))
    assert str(result.assumption_set) == "Plan 2027 v1"
    assert result.scenarios_created == ["Conservative"]


def test_the_preview_names_the_changed_drivers(exported):
    exported["shared_assumptions"]["churn_pct"]["value"] = "8"
    assert plan(parse(loads(dumps(exported))))[0].startswith("creates Plan v2 (churn_pct 10.000 → 8")


def test_numbers_are_read_as_decimals_never_floats(exported):
    text = dumps(exported).replace('"value": "50.00"', '"value": 50.10')
    parsed = parse(loads(text))
    assert str(parsed.values["price"]) == "50.10"


def test_a_dry_run_writes_nothing(exported):
    exported["shared_assumptions"]["price"]["value"] = "70"
    _, result = import_text(dumps(exported), dry_run=True)
    assert result is None
    assert AssumptionSet.objects.count() == 1


def broken(exported) -> dict:
    data = copy.deepcopy(exported)
    data["name"] = "Other plan"
    shared = data["shared_assumptions"]
    shared["price"]["value"] = "forty"  # wrong type
    shared["cac"]["value"] = True  # wrong type
    shared["churn_pct"]["value"] = "120"  # out of range
    shared["horizon_months"]["value"] = "12.5"  # not whole
    shared["conversion_rate"] = {"value": "2", "notes": ""}  # unknown driver
    del shared["organic_new_customers"]  # missing required
    del shared["fixed_tools"]  # missing required
    data["one_off_costs"] = [{"month": "2026-13", "amount": "-5", "label": "bad"}]
    data["scenarios"]["Optimistic"]["assumptions"] = {"churn": {"value": "3"}}  # unknown driver
    data["scenarios"]["Wild"] = {"assumptions": {"price": {"value": "-1"}}, "colour": "red"}
    data["colour"] = "blue"
    return data


EXPECTED_PROBLEMS = [
    "colour: unknown key",
    "shared_assumptions.conversion_rate: unknown driver; expected one of horizon_months, starting_cash, "
    "starting_customers, starting_mrr, price, ad_budget, ad_budget_growth_pct, cac, organic_new_customers, "
    "churn_pct, expansion_pct, cogs_pct, payment_fee_pct, fixed_salaries, fixed_tools, fixed_other",
    "shared_assumptions.horizon_months: 12.5 is not a whole number",
    "shared_assumptions.price: 'forty' is not a number",
    "shared_assumptions.cac: True is not a number",
    "shared_assumptions.organic_new_customers: missing (a required driver)",
    "shared_assumptions.churn_pct: Monthly customer churn (%) must be between 0 and 100 %; got 120 %",
    "shared_assumptions.fixed_tools: missing (a required driver)",
    "one_off_costs[1].month: '2026-13' is not a month (YYYY-MM)",
    "one_off_costs[1].amount: a one-off cost cannot be negative; got -5",
    "scenarios.Optimistic.assumptions.churn: unknown driver; expected one of horizon_months, starting_cash, "
    "starting_customers, starting_mrr, price, ad_budget, ad_budget_growth_pct, cac, organic_new_customers, "
    "churn_pct, expansion_pct, cogs_pct, payment_fee_pct, fixed_salaries, fixed_tools, fixed_other",
    "scenarios.Wild.colour: unknown key",
    "scenarios.Wild.assumptions.price: Price / ARPA cannot be negative; got -1",
]


def test_a_bad_file_lists_one_message_per_problem_and_saves_nothing(exported):
    before = (AssumptionSet.objects.count(), Scenario.objects.count())
    with pytest.raises(AssumptionImportError) as error:
        import_text(json.dumps(broken(exported)))
    assert error.value.problems == EXPECTED_PROBLEMS
    assert (AssumptionSet.objects.count(), Scenario.objects.count()) == before
    assert not AssumptionSet.objects.filter(name="Other plan").exists()


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            "{not json",
            "not valid JSON: Expecting property name enclosed in double quotes at line 1, column 2",
        ),
        ("[1, 2]", "the file must hold one JSON object"),
        (b"\xff\xfe", "the file is not UTF-8 text"),
    ],
)
def test_an_unreadable_file_says_why(text, problem):
    with pytest.raises(AssumptionImportError) as error:
        import_text(text)
    assert error.value.problems == [problem]


def test_a_file_in_another_currency_is_refused(exported):
    exported["currency"] = "EUR"
    with pytest.raises(AssumptionImportError) as error:
        import_text(dumps(exported))
    assert error.value.problems == ["currency: the file is in 'EUR'; bizops reports in USD"]


def test_missing_sections_are_named(exported):
    with pytest.raises(AssumptionImportError) as error:
        import_text(json.dumps({"name": "X"}))
    assert error.value.problems[:2] == [
        "start_month: missing (YYYY-MM)",
        "shared_assumptions: missing (the drivers)",
    ]
    assert len(error.value.problems) == 2 + 16, "each missing driver is named too"


def test_a_one_off_cost_outside_the_horizon_is_refused(exported):
    exported["one_off_costs"] = [{"month": "2027-01", "amount": "10", "label": ""}]
    with pytest.raises(AssumptionImportError) as error:
        import_text(dumps(exported))
    assert error.value.problems == [
        "one_off_costs[1].month: 2027-01 is outside the forecast (2026-01 to 2026-12)"
    ]


def test_a_problem_in_one_scenario_saves_no_scenario(exported):
    exported["shared_assumptions"]["price"]["value"] = "99"
    exported["scenarios"]["Zeta"] = {"assumptions": {"cac": {"value": "x"}}}
    with pytest.raises(AssumptionImportError):
        import_text(dumps(exported))
    assert AssumptionSet.objects.get().price == 50
    assert not Scenario.objects.filter(name="Zeta").exists()
