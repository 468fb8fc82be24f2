"""Finance in the admin: versions on save, field-named validation, runs, import/export, permissions."""

import io
import json
import re

import openpyxl
import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from finance.assumptions_json import dumps, export_assumption_set
from finance.drivers import NAMES
from finance.forms import source_field
from finance.models import AssumptionSet, ForecastRun, Scenario
from finance.services import run_forecast
from tests.factories import UserFactory
from tests.finance.conftest import plan_values

pytestmark = pytest.mark.django_db


def form_data(**changes) -> dict:
    values = {name: str(value) for name, value in plan_values().items()}
    data = {
        "name": "Plan",
        "start_month": "2026-01",
        "note": "",
        "one_off_costs": "",
        **values,
        **{source_field(name): f"source of {name}" for name in NAMES},
    }
    data.update({k: str(v) for k, v in changes.items()})
    return data


@pytest.fixture
def finance_client(client):
    client.force_login(UserFactory(username="fiona", groups=["Finance"]))
    return client


def errors_of(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_a_finance_user_adds_an_assumption_set_with_a_source_per_driver(finance_client):
    response = finance_client.post(reverse("admin:finance_assumptionset_add"), form_data())
    assert response.status_code == 302, errors_of(response)
    plan = AssumptionSet.objects.get()
    assert (str(plan), plan.created_by.username) == ("Plan v1", "fiona")
    assert plan.sources["churn_pct"] == "source of churn_pct"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("churn_pct", "120", "Monthly customer churn (%) must be between 0 and 100 %; got 120 %"),
        ("price", "-5", "Price / ARPA cannot be negative; got -5"),
        ("horizon_months", "40", "Horizon (months) must be between 12 and 36; got 40"),
        (
            "one_off_costs",
            "2027-05 100 Too late",
            "line 1 month: 2027-05 is outside the forecast (2026-01 to 2026-12)",
        ),
        (
            "one_off_costs",
            "2026-03",
            "line 1: expected &#x27;YYYY-MM amount label&#x27;, got &#x27;2026-03&#x27;",
        ),
        ("start_month", "2026-13", "&#x27;2026-13&#x27; is not a month (YYYY-MM)"),
        ("cac", "0", "CAC must be above 0 while there is a paid ad budget"),
    ],
)
def test_a_bad_value_is_refused_with_a_message_naming_the_field(admin_client, field, value, message):
    response = admin_client.post(reverse("admin:finance_assumptionset_add"), form_data(**{field: value}))
    assert response.status_code == 200
    html = errors_of(response)
    assert "Please correct the error below." in html
    # The message sits with its field.
    assert f'<ul class="errorlist" id="id_{field}_error"><li>{message}' in html
    assert AssumptionSet.objects.count() == 0


def test_editing_a_set_saves_a_new_version_and_reruns_its_scenarios(admin_client, make_set, make_scenario):
    plan = make_set()
    scenario = make_scenario("Base", plan)
    old_run = run_forecast(scenario, produced_by="tests")
    url = reverse("admin:finance_assumptionset_change", args=[plan.pk])
    data = form_data(churn_pct="8")
    del data["name"]  # read-only once saved
    response = admin_client.post(url, data, follow=True)
    newest = AssumptionSet.objects.get(version=2)
    assert response.redirect_chain[-1][0] == reverse("admin:finance_assumptionset_changelist")
    html = errors_of(response)
    assert "Saved Plan v2 (churn_pct, sources); Plan v1 is kept for the forecasts made with it." in html
    assert "Base on Plan v2</a>: month-12 MRR" in html
    assert AssumptionSet.objects.get(pk=plan.pk).churn_pct == 10
    scenario.refresh_from_db()
    assert scenario.assumption_set == newest
    assert ForecastRun.objects.get(pk=old_run.pk).assumption_set == plan
    assert ForecastRun.objects.latest("pk").assumption_set == newest


def test_a_save_says_what_became_of_the_set_and_not_the_admins_generic_line(admin_client, make_set):
    plan = make_set()
    data = form_data(churn_pct="8")
    del data["name"]
    response = admin_client.post(
        reverse("admin:finance_assumptionset_change", args=[plan.pk]), data, follow=True
    )
    said = [str(message) for message in response.context["messages"]]
    assert said[0].startswith("Saved Plan v2")
    assert not [line for line in said if "successfully" in line]

    response = admin_client.post(
        reverse("admin:finance_assumptionset_add"), form_data(name="Other"), follow=True
    )
    said = [str(message) for message in response.context["messages"]]
    assert said[0] == "Saved Other v1."
    assert not [line for line in said if "successfully" in line]


def test_deleting_a_set_is_confirmed_by_the_admins_own_line(admin_client, make_set):
    plan = make_set()
    url = reverse("admin:finance_assumptionset_delete", args=[plan.pk])
    response = admin_client.post(url, {"post": "yes"}, follow=True)
    said = [str(message) for message in response.context["messages"]]
    assert any("deleted successfully" in line for line in said), said


def test_save_and_continue_lands_on_the_new_version_showing_the_new_value(admin_client, make_set):
    plan = make_set()
    data = form_data(churn_pct="8", _continue="Save and continue editing")
    del data["name"]
    response = admin_client.post(
        reverse("admin:finance_assumptionset_change", args=[plan.pk]), data, follow=True
    )
    newest = AssumptionSet.objects.get(name="Plan", version=2)
    assert response.redirect_chain[-1][0] == reverse("admin:finance_assumptionset_change", args=[newest.pk])
    html = errors_of(response)
    assert "Saved Plan v2 (churn_pct, sources)" in html
    assert response.context["original"] == newest
    assert re.search(r'name="churn_pct" value="8(\.0*)?"', html), html
    assert "(a newer version exists)" not in html


def test_saving_an_unchanged_set_makes_no_version(admin_client, make_set):
    plan = make_set(sources={name: f"source of {name}" for name in NAMES})
    data = form_data()
    del data["name"]
    response = admin_client.post(
        reverse("admin:finance_assumptionset_change", args=[plan.pk]), data, follow=True
    )
    assert "Nothing changed: Plan v1 is kept as it is." in response.content.decode()
    assert AssumptionSet.objects.count() == 1


def test_the_list_shows_the_newest_versions_by_default(admin_client, make_set):
    make_set()
    make_set(price=60)
    html = admin_client.get(reverse("admin:finance_assumptionset_changelist")).content.decode()
    assert html.count('class="field-version"') == 1
    everything = admin_client.get(reverse("admin:finance_assumptionset_changelist"), {"versions": "all"})
    assert everything.content.decode().count('class="field-version"') == 2


def test_the_run_forecast_action_runs_the_selected_scenarios(admin_client, make_set, make_scenario):
    plan = make_set()
    base = make_scenario("Base", plan)
    make_scenario("Other", plan)
    response = admin_client.post(
        reverse("admin:finance_scenario_changelist"),
        {"action": "run_forecast", "_selected_action": [base.pk]},
        follow=True,
    )
    assert list(ForecastRun.objects.values_list("scenario_name", flat=True)) == ["Base"]
    assert "Base on Plan v1</a>: month-12 MRR" in response.content.decode()


def test_a_scenario_form_takes_overrides_with_their_reasons(admin_client, make_set):
    plan = make_set()
    data = {
        "name": "Optimistic",
        "description": "",
        "assumption_set": plan.pk,
        "active": "on",
        "position": "1",
        "override_churn_pct": "5",
        "notes_churn_pct": "retention emails",
    }
    response = admin_client.post(reverse("admin:finance_scenario_add"), data)
    assert response.status_code == 302, errors_of(response)
    assert Scenario.objects.get().overrides == {"churn_pct": {"value": "5", "notes": "retention emails"}}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("override_churn_pct", "101", "Monthly customer churn (%) must be between 0 and 100 %; got 101 %"),
        ("override_price", "cheap", "Price / ARPA: &#x27;cheap&#x27; is not a number"),
        ("override_cac", "0", "CAC must be above 0 while there is a paid ad budget"),
    ],
)
def test_a_bad_override_is_refused_naming_the_driver(admin_client, make_set, field, value, message):
    data = {"name": "Odd", "assumption_set": make_set().pk, "position": "0", field: value}
    response = admin_client.post(reverse("admin:finance_scenario_add"), data)
    assert response.status_code == 200
    assert message in errors_of(response)
    assert not Scenario.objects.exists()


def test_a_run_page_shows_its_monthly_table(admin_client, make_set, make_scenario):
    run = run_forecast(make_scenario("Base", make_set()), produced_by="tests")
    html = admin_client.get(reverse("admin:finance_forecastrun_change", args=[run.pk])).content.decode()
    assert html.count('<tr class="finance-break-even">') == 1
    assert '<td class="num">5,340.00</td>' in html
    assert "Price / ARPA" in html
    assert "Save" not in re.sub(r"<title>.*?</title>", "", html, flags=re.S).split('id="content-main"')[1]


def test_runs_export_as_csv_and_xlsx_from_the_admin(admin_client, make_set, make_scenario):
    plan = make_set()
    runs = [run_forecast(make_scenario(name, plan), produced_by="tests") for name in ("Base", "Optimistic")]
    url = reverse("admin:finance_forecastrun_changelist")
    selected = [run.pk for run in runs]
    csv_response = admin_client.post(url, {"action": "export_csv", "_selected_action": selected})
    assert csv_response["Content-Disposition"] == 'attachment; filename="finance_model.csv"'
    assert len(csv_response.content.decode().splitlines()) == 1 + 2 * 12
    xlsx_response = admin_client.post(url, {"action": "export_xlsx", "_selected_action": selected})
    book = openpyxl.load_workbook(io.BytesIO(xlsx_response.content))
    assert book["finance_model"].max_row == 1 + 2 * 12


def test_a_set_exports_as_json(admin_client, make_set):
    plan = make_set()
    response = admin_client.get(reverse("admin:finance_assumptionset_export_json", args=[plan.pk]))
    assert response["Content-Disposition"] == 'attachment; filename="assumptions-plan-v1.json"'
    assert json.loads(response.content)["shared_assumptions"]["price"]["value"] == "50.00"


def upload(client, content: bytes, name="assumptions.json"):
    return client.post(
        reverse("admin:finance_assumptionset_import_json"), {"file": SimpleUploadedFile(name, content)}
    )


def test_an_import_previews_then_saves_on_confirm(admin_client, make_set, make_scenario):
    plan = make_set()
    make_scenario("Base", plan)
    data = export_assumption_set(plan)
    data["shared_assumptions"]["price"]["value"] = "60"
    preview = upload(admin_client, dumps(data).encode())
    html = preview.content.decode()
    assert "creates Plan v2 (price 50.00 → 60" in html
    assert AssumptionSet.objects.count() == 1, "the preview writes nothing"
    payload = re.search(r'<textarea name="payload" hidden>(.*?)</textarea>', html, re.S).group(1)
    import html as html_lib

    response = admin_client.post(
        reverse("admin:finance_assumptionset_import_json"),
        {"confirm": "1", "payload": html_lib.unescape(payload)},
        follow=True,
    )
    assert "Imported Plan v2." in response.content.decode()
    assert AssumptionSet.objects.get(version=2).price == 60
    assert ForecastRun.objects.get().assumption_set.version == 2


def test_a_bad_import_lists_every_problem_and_saves_nothing(admin_client):
    content = json.dumps({"name": "X", "start_month": "2026-01", "shared_assumptions": {"price": "abc"}})
    html = errors_of(upload(admin_client, content.encode()))
    assert "was not imported: 16 problems. Nothing was saved." in html
    assert "shared_assumptions.price: &#x27;abc&#x27; is not a number" in html
    assert "shared_assumptions.churn_pct: missing (a required driver)" in html
    assert AssumptionSet.objects.count() == 0


# --- permissions -----------------------------------------------------------------


def test_the_finance_group_holds_every_finance_permission():
    perms = set(Group.objects.get(name="Finance").permissions.values_list("codename", flat=True))
    for model in ("assumptionset", "scenario", "forecastrun", "forecastmonth"):
        assert {f"add_{model}", f"change_{model}", f"delete_{model}", f"view_{model}"} <= perms


def test_a_growth_user_cannot_edit_finance_assumptions(client, make_set):
    growth = UserFactory(groups=["Growth"])
    assert not growth.has_perm("finance.change_assumptionset")
    assert not growth.has_perm("finance.add_assumptionset")
    client.force_login(growth)
    plan = make_set()
    add = reverse("admin:finance_assumptionset_add")
    change = reverse("admin:finance_assumptionset_change", args=[plan.pk])
    assert client.get(add).status_code == 403
    assert client.post(add, form_data(name="Sneaky")).status_code == 403
    assert client.post(change, form_data(price="1")).status_code == 403
    assert client.post(reverse("admin:finance_assumptionset_import_json"), {}).status_code == 403
    assert AssumptionSet.objects.count() == 1


def test_a_finance_user_can_edit_finance_assumptions(finance_client, make_set):
    plan = make_set()
    assert finance_client.get(reverse("admin:finance_assumptionset_add")).status_code == 200
    data = form_data(price="55")
    del data["name"]
    response = finance_client.post(reverse("admin:finance_assumptionset_change", args=[plan.pk]), data)
    assert response.status_code == 302
    assert AssumptionSet.objects.get(version=2).price == 55


def test_a_commerce_scenario_keeps_and_edits_its_commerce_overrides(admin_client, make_scenario):
    from tests.finance.test_backtest import commerce_plan

    plan = commerce_plan(make_scenario).assumption_set
    optimistic = make_scenario(
        "Optimistic",
        plan,
        overrides={
            "cac_meta": {"value": "41.22", "notes": "-15 % on the calibrated 48.49"},
            "repeat_aov": {"value": "219.14", "notes": "+5 %"},
        },
    )
    listing = admin_client.get(reverse("admin:finance_scenario_changelist")).content.decode()
    assert "CAC Meta 41.22, Repeat-order AOV (gross) 219.14" in listing

    page = admin_client.get(reverse("admin:finance_scenario_change", args=[optimistic.pk])).content.decode()
    assert 'name="override_cac_meta"' in page and 'value="41.22"' in page
    assert 'name="override_churn_pct"' not in page  # a subscription-only driver is not a commerce lever

    data = {
        "name": "Optimistic", "description": "", "assumption_set": plan.pk, "active": "on", "position": "1",
        "override_cac_meta": "41.22", "notes_cac_meta": "-15 % on the calibrated 48.49",
        "override_repeat_aov": "", "override_first_order_aov": "33", "notes_first_order_aov": "bundles",
    }  # fmt: skip
    response = admin_client.post(reverse("admin:finance_scenario_change", args=[optimistic.pk]), data)
    assert response.status_code == 302, errors_of(response)
    optimistic.refresh_from_db()
    assert optimistic.overrides == {
        "cac_meta": {"value": "41.22", "notes": "-15 % on the calibrated 48.49"},
        "first_order_aov": {"value": "33", "notes": "bundles"},
    }
