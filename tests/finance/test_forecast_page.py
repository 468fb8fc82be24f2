"""The forecast page: staff with finance access only, charts fed once by json_script, no inline JS."""

import datetime as dt
import json
import re
from decimal import Decimal as D
from pathlib import Path

import pytest
import time_machine
from django.contrib.staticfiles import finders
from django.urls import reverse

from finance.models import ForecastRun
from finance.services import run_forecast
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
URL = "/admin/finance/forecast/"
NOW = dt.datetime(2026, 3, 10, 15, tzinfo=dt.UTC)


@pytest.fixture
def runs(make_set, make_scenario):
    plan = make_set(horizon_months=24, fixed_salaries=D("9000"))
    base = make_scenario("Base", plan, position=0)
    optimistic = make_scenario("Optimistic", plan, {"price": {"value": "60", "notes": ""}}, position=1)
    return [run_forecast(base, produced_by="tests"), run_forecast(optimistic, produced_by="tests")]


def data_of(response) -> dict:
    html = response.content.decode()
    match = re.search(r'<script id="forecast-data" type="application/json">(.*?)</script>', html, re.S)
    return json.loads(match.group(1))


def test_the_url_is_the_forecast_page():
    assert reverse("finance:forecast") == URL


def test_anonymous_and_non_staff_visitors_are_sent_to_the_login_page(client):
    assert client.get(URL)["Location"].startswith(reverse("admin:login"))
    client.force_login(UserFactory(is_staff=False, groups=["Finance"]))
    assert client.get(URL)["Location"].startswith(reverse("admin:login"))


def test_staff_without_finance_access_are_refused(client):
    client.force_login(UserFactory(groups=["Growth"]))
    assert client.get(URL).status_code == 403
    assert client.post(reverse("finance:forecast_run")).status_code == 403
    assert client.get(reverse("finance:forecast_download", args=["csv"])).status_code == 403


@time_machine.travel(NOW, tick=False)
def test_the_page_passes_the_chart_data_once(client, runs, daily_metric):
    daily_metric(dt.date(2026, 1, 12), net_sales="5000", spend="900", new_customers=14)
    client.force_login(UserFactory(groups=["Finance"]))
    response = client.get(URL)
    assert response.status_code == 200
    assert response.content.decode().count('id="forecast-data"') == 1
    data = data_of(response)
    assert data["currency"] == "USD"
    assert data["labels"][:2] == ["2026-01", "2026-02"] and len(data["labels"]) == 24
    base, optimistic = data["scenarios"]
    assert (base["name"], optimistic["name"]) == ("Base", "Optimistic")
    assert base["mrr"][0] == "5340.00"
    assert base["cash"][-1] == str(runs[0].ending_cash)
    assert base["break_even_month"] == runs[0].break_even_month == 21
    assert base["break_even_label"] == "2027-09"
    levers = data["levers"]
    assert levers["scenario"] == "Base"
    assert levers["mrr"][0]["label"] == "Price / ARPA"
    assert D(levers["mrr"][0]["low"]) < 0 < D(levers["mrr"][0]["high"])
    assert all(isinstance(row["low"], int) for row in levers["break_even"])
    # The current month (March) is shown as partial; so is January, which has one day of data.
    assert data["actuals"]["labels"] == ["2026-01", "2026-02", "2026-03"]
    assert data["actuals"]["partial"] == [True, True, True]
    assert data["actuals"]["metrics"]["revenue"]["actual"] == ["5000.00", None, None]


@time_machine.travel(NOW, tick=False)
def test_the_page_shows_actual_forecast_and_variance_per_whole_ended_month(admin_client, runs, daily_metric):
    # January has a row every day (31 x 161.29 = 4,999.99); February one day only.
    for day in range(1, 32):
        daily_metric(
            dt.date(2026, 1, day), net_sales="161.29", spend="29.03", new_customers=1 if day <= 14 else 0
        )
    daily_metric(dt.date(2026, 2, 3), net_sales="100")
    html = admin_client.get(URL).content.decode()
    table = html.split('id="finance-actuals"')[1].split("</table>")[0]
    january = re.sub(r"\s+", " ", table.split("<td>2026-01</td>")[1].split("</tr>")[0])
    assert '<td class="num">31/31</td>' in january
    assert (
        '<span class="finance-actual">4,999.99</span> <span class="help">fc 5,340.00</span> '
        '<span class="negative">-340.01 (-6.4 %)</span>' in january
    )
    february = re.sub(r"\s+", " ", table.split("<td>2026-02</td>")[1].split("</tr>")[0])
    assert '1/28 <span class="help">partial</span>' in february
    assert "-100" not in february and "%)" not in february, "a partial month shows no variance"
    assert "<td>2026-03</td>" in table, "the current month is shown, as partial"
    backtest = html.split('id="finance-backtest"')[1].split("</table>")[0]
    # January scored: WAPE 340.01 / 4,999.99 = 6.8 %, bias +6.8 %
    assert '6.8 % <span class="help">bias +6.8 %</span>' in backtest


def test_a_scenario_can_be_chosen_for_levers_and_actuals(admin_client, runs):
    response = admin_client.get(URL, {"scenario": runs[1].scenario_id})
    assert data_of(response)["levers"]["scenario"] == "Optimistic"


def test_the_page_has_no_inline_script(admin_client, runs):
    html = admin_client.get(URL).content.decode()
    for tag in re.findall(r"<script[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert 'src="/static/vendor/chartjs/chart.umd.min.js"' in html
    assert 'src="/static/finance/forecast.js"' in html
    assert " style=" not in html.split('id="content-main"')[1]
    assert finders.find("finance/forecast.js") and finders.find("vendor/chartjs/chart.umd.min.js")


@time_machine.travel(NOW, tick=False)
def test_the_charts_script_draws_every_canvas_on_the_page(admin_client, runs):
    html = admin_client.get(URL).content.decode()
    script = Path(finders.find("finance/forecast.js")).read_text()
    canvases = re.findall(r'<canvas id="([\w-]+)"', html)
    assert set(canvases) == {
        "chart-mrr",
        "chart-cash",
        "chart-levers-mrr",
        "chart-levers-break-even",
        "chart-actuals",
    }
    for canvas in canvases:
        assert f'"{canvas}"' in script


def test_a_finance_user_can_run_the_forecast_from_the_page(client, runs):
    client.force_login(UserFactory(groups=["Finance"]))
    response = client.post(reverse("finance:forecast_run"), follow=True)
    assert response.redirect_chain[-1][0] == URL
    assert ForecastRun.objects.count() == 4
    assert "Base on Plan v1</a>: month-12 MRR" in response.content.decode()


def test_the_page_downloads_the_latest_runs(admin_client, runs):
    csv_response = admin_client.get(reverse("finance:forecast_download", args=["csv"]))
    lines = csv_response.content.decode().splitlines()
    assert lines[0].startswith("scenario,assumption_set,version,run,month,period,new_customers")
    assert len(lines) == 1 + 2 * 24
    xlsx = admin_client.get(reverse("finance:forecast_download", args=["xlsx"]))
    assert xlsx["Content-Disposition"] == 'attachment; filename="finance_model.xlsx"'
    assert admin_client.get("/admin/finance/forecast/finance_model.pdf").status_code == 404


def test_without_scenarios_the_page_says_what_to_do(admin_client):
    html = admin_client.get(URL).content.decode()
    assert "There is no active scenario yet." in html
    assert data_of(admin_client.get(URL))["scenarios"] == []


def test_a_scenario_not_yet_run_is_named(admin_client, runs, make_scenario):
    make_scenario("Conservative", runs[0].assumption_set, position=2)
    html = admin_client.get(URL).content.decode()
    assert "Not run yet: Conservative." in html
