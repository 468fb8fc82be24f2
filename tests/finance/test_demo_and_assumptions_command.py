"""The finance demo seed and `manage.py assumptions import/export`."""

import datetime as dt
import io
import json

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError

from bizops.core.models import Report
from finance.demo import FIXTURE, STORE_FIXTURE, demo_file, store_file
from finance.drivers import COMMERCE_NAMES, NAMES
from finance.models import AssumptionSet, ForecastRun, Scenario

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 26, 15, tzinfo=dt.UTC)


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_the_demo_seed_refuses_a_production_database(settings, monkeypatch):
    settings.DEBUG = False
    monkeypatch.setitem(settings.DATABASES["default"], "ENGINE", "django.db.backends.postgresql")
    with pytest.raises(CommandError, match=r"seed_finance_demo .*; refusing with DEBUG off on PostgreSQL"):
        run("seed_finance_demo")
    assert not AssumptionSet.objects.exists()
    assert not Scenario.objects.exists()


def test_every_demo_figure_has_a_note_saying_it_is_illustrative_and_where_the_real_one_comes_from():
    data = json.loads(FIXTURE.read_text())
    assert "illustrative" in data["notes"].lower()
    assert "until Finance enters theirs" in data["notes"]
    assert set(data["shared_assumptions"]) == set(NAMES)
    for name, entry in data["shared_assumptions"].items():
        assert entry["notes"].startswith("Illustrative"), name
    for name, entry in data["shared_assumptions"].items():
        if name != "horizon_months":
            assert "not business data" in entry["notes"] and "Real source:" in entry["notes"], name
    for scenario in data["scenarios"].values():
        assert "(illustrative)" in scenario["description"]
        for name, entry in scenario["assumptions"].items():
            assert entry["notes"].startswith("Illustrative"), name
    assert all(o["label"].startswith("Illustrative") for o in data["one_off_costs"])


def test_the_store_plan_notes_every_figure_it_types_and_which_calibration_replaces():
    data = json.loads(STORE_FIXTURE.read_text())
    assert data["revenue_model"] == "commerce"
    entries = {
        **data["shared_assumptions"],
        **data["commerce_assumptions"],
        "repeat_curve": data["repeat_curve"],
    }
    assert set(data["commerce_assumptions"]) == set(COMMERCE_NAMES)
    for name, entry in entries.items():
        assert entry["notes"], name
        assert entry["notes"].startswith(("Illustrative", "Not used by the commerce model")), name
    assert store_file(dt.date(2026, 11, 26))["start_month"] == "2026-09"


def test_the_demo_plan_starts_three_months_before_today_with_its_one_offs_moved_along():
    data = demo_file(dt.date(2026, 11, 26))
    assert data["start_month"] == "2026-08"
    assert data["one_off_costs"][0]["month"] == "2026-11"  # fourth month, as in the file


@pytest.fixture
def demo_database(settings):
    # seed_finance_demo refuses PostgreSQL with DEBUG off (a production database).
    settings.DEBUG = True


@time_machine.travel(NOW, tick=False)
@pytest.mark.usefixtures("demo_database")
def test_seeding_makes_the_store_plan_the_subscription_example_and_their_first_forecast_once():
    output = run("seed_finance_demo")
    # No orders or ad spend in this database: every measurable driver keeps its typed figure and says so.
    assert "finance: Store plan v2 calibrated from 2026-08-28..2026-11-25; kept as typed" in output
    assert (
        "finance: Subscription example v1 with scenarios Subscription example, "
        "Subscription example: optimistic, Subscription example: conservative" in output
    )
    assert "finance: 4 forecast(s) run" in output
    store = AssumptionSet.objects.get(name="Store plan", version=2)
    assert (store.revenue_model, store.start_month) == ("commerce", dt.date(2026, 9, 1))
    assert store.sources["cac"].startswith("Not enough data")
    assert store.commerce["first_order_aov"] == "75"
    example = AssumptionSet.objects.get(name="Subscription example")
    assert (example.revenue_model, example.start_month) == ("subscription", dt.date(2026, 8, 1))
    assert all(example.sources.get(name) for name in NAMES), "a note for every driver"
    assert list(Scenario.objects.filter(active=True).values_list("name", flat=True)) == [
        "Base",
        "Optimistic",
        "Conservative",
        "Subscription example",
    ]
    assert set(ForecastRun.objects.values_list("revenue_model", flat=True)) == {"commerce", "subscription"}
    assert "Illustrative demo figures" in Report.objects.get(kind="finance").body
    again = run("seed_finance_demo")
    assert "finance: Store plan already there" in again
    assert "finance: Subscription example already there" in again
    assert (AssumptionSet.objects.count(), ForecastRun.objects.count(), Report.objects.count()) == (3, 4, 1)


def test_assumptions_export_then_import_round_trips(make_set, make_scenario, tmp_path):
    plan = make_set()
    make_scenario("Base", plan)
    target = tmp_path / "plan.json"
    run("assumptions", "export", "Plan", "-o", str(target))
    data = json.loads(target.read_text())
    assert data["name"] == "Plan"
    assert "unchanged: Plan v1" in run("assumptions", "import", str(target))
    data["shared_assumptions"]["price"]["value"] = "65"
    target.write_text(json.dumps(data))
    assert "would: creates Plan v2 (price 50.00 → 65" in run(
        "assumptions", "import", str(target), "--dry-run"
    )
    assert AssumptionSet.objects.count() == 1
    assert "imported Plan v2" in run("assumptions", "import", str(target))
    assert AssumptionSet.objects.get(version=2).price == 65


def test_assumptions_import_lists_every_problem(tmp_path):
    target = tmp_path / "bad.json"
    target.write_text(
        json.dumps({"name": "X", "start_month": "2026-01", "shared_assumptions": {"price": "x"}})
    )
    with pytest.raises(CommandError) as error:
        run("assumptions", "import", str(target))
    message = str(error.value)
    assert "was not imported (16 problem(s)); nothing saved" in message
    assert "  - shared_assumptions.price: 'x' is not a number" in message
    assert AssumptionSet.objects.count() == 0


def test_assumptions_export_names_an_unknown_set(make_set):
    make_set()
    with pytest.raises(CommandError, match="no assumption set 'Nope' version any; known: Plan"):
        run("assumptions", "export", "Nope")


@time_machine.travel(NOW, tick=False)
def test_seeding_keeps_a_scenario_of_the_same_name_as_the_team_left_it(
    demo_database, make_set, make_scenario
):
    own = make_set("Our plan")
    make_scenario("Base", own, {"cac": {"value": "150", "notes": "our figure"}}, description="ours")
    run("seed_finance_demo")
    base = Scenario.objects.get(name="Base")
    assert (base.assumption_set, base.description, base.overrides) == (
        own,
        "ours",
        {"cac": {"value": "150", "notes": "our figure"}},
    )
    assert set(Scenario.objects.values_list("name", flat=True)) == {
        "Base",
        "Store plan: Base",
        "Optimistic",
        "Conservative",
        "Subscription example",
        "Subscription example: optimistic",
        "Subscription example: conservative",
    }
