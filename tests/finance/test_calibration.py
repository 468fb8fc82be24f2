"""Calibration from orders and ad spend made in the test, worked by hand.

Cohorts (first-order months, Toronto): January 10 customers (one a guest
checking out twice with the same email written differently), February 5,
April 1. Later orders: 3 January customers in February (one of them twice),
1 February customer in March, 1 January customer in April; a test order and
a cancelled order of January customers in March, which do not count.
"""

import datetime as dt
import io
import json
from decimal import Decimal as D

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from etl.connectors.shopify import customer_key
from etl.metrics.compute import compute
from etl.selectors import cohort_repeats, cohort_sizes, first_and_repeat_sales, returning_customers
from finance.calibration import save_calibrated
from finance.models import AssumptionSet, ForecastRun, Scenario
from finance.services import run_forecasts
from tests.metrics.factories import AdAccountFactory, CampaignFactory, InsightFactory, OrderFactory, at

pytestmark = pytest.mark.django_db

GUEST = customer_key({"email": " Guest@Example.com "})


def order(day, key, price, **extra):
    # Cost 40 % of the price on every line.
    return OrderFactory(
        created_at=at(day), customer_key=key, lines=[(price, 1, D(price) * D("0.4"))], **extra
    )


def make_store():
    jan = [GUEST] + [f"customer:{n}" for n in range(1, 10)]
    feb = [f"customer:{n}" for n in range(20, 25)]
    for n, key in enumerate(jan):
        order(dt.date(2026, 1, 5 + n), key, "50")
    for n, key in enumerate(feb):
        order(dt.date(2026, 2, 10 + n), key, "60")
    order(dt.date(2026, 4, 20), "customer:30", "70")
    # February: the guest (her email typed differently), customer 1 twice, customer 2.
    order(dt.date(2026, 2, 3), customer_key({"email": "guest@example.COM"}), "40")
    order(dt.date(2026, 2, 4), "customer:1", "40")
    order(dt.date(2026, 2, 20), "customer:1", "40")
    order(dt.date(2026, 2, 21), "customer:2", "40")
    order(dt.date(2026, 3, 2), "customer:20", "40")
    order(dt.date(2026, 4, 2), "customer:3", "40")
    # Never counted: a test order and a cancelled one.
    order(dt.date(2026, 3, 5), "customer:4", "40", test=True)
    order(dt.date(2026, 3, 6), "customer:5", "40", cancelled_at=at(dt.date(2026, 3, 6), 15))
    meta = CampaignFactory(account=AdAccountFactory(platform="meta"))
    tiktok = CampaignFactory(account=AdAccountFactory(platform="tiktok"))
    InsightFactory(campaign=meta, date=dt.date(2026, 1, 15), spend=D("240"), conversions=D("8.25"))
    InsightFactory(campaign=tiktok, date=dt.date(2026, 4, 15), spend=D("120"), conversions=D("2.75"))
    compute(dt.date(2026, 1, 1), dt.date(2026, 4, 30))


def test_calibration_derives_curve_cac_and_aovs_from_the_orders():
    make_store()
    plan, result = save_calibrated("Store", days=120, until=dt.date(2026, 4, 30))
    assert plan.revenue_model == "commerce" and plan.version == 1
    assert plan.start_month == dt.date(2026, 5, 1)
    # Repeat curve, only ended months (the April cohort's month 1 is May: not observed, not a zero):
    #   month 1: January 3 (guest, 1, 2) + February 1 (customer 20) = 4 / (10 + 5) = 26.667 %
    #   month 2: January in March 0 (test and cancelled orders left out) + February in April 0 = 0 / 15
    #   month 3: January in April 1 (customer 3) / 10 = 10 %;  month 4 (May) has not ended.
    assert plan.repeat_curve == ["26.667", "0", "10"]
    # 6 repeat orders (customer 1 ordered twice in February) / 5 returning customer-months = 1.2
    assert plan.commerce["orders_per_returning_customer"] == "1.2"
    # AOVs: first orders (10 x 50 + 5 x 60 + 70) / 16 = 54.375 -> 54.38; repeat 6 x 40 / 6 = 40
    assert plan.commerce["first_order_aov"] == "54.38"
    assert plan.commerce["repeat_aov"] == "40"
    # 22 counted orders; the platforms claim 8.25 + 2.75 = 11 of them: half of the 16 new customers
    #   are paid (8), half organic. CAC 360 / 8 = 45; Meta 240 / (8 x 8.25 / 11 = 6) = 40;
    #   TikTok 120 / 2 = 60; Meta share 240 / 360 = 66.667 %.
    assert plan.cac == D("45.00")
    assert plan.commerce["cac_meta"] == "40"
    assert plan.commerce["cac_tiktok"] == "60"
    assert plan.commerce["meta_spend_share_pct"] == "66.667"
    assert plan.sources["cac"].startswith(
        "CAC 45.00: Meta+TikTok spend 360.00 / 8 paid new customers (16 new customers x 50 % of 22 orders"
    )
    assert plan.sources["cac"].endswith("2026-01-01..2026-04-30")
    # organic 8 / 120 days x 30.4375 = 2.029 -> 2.03; budget 360 / 120 x 30.4375 = 91.3125 -> 91.31
    assert plan.organic_new_customers == D("2.03")
    assert plan.ad_budget == D("91.31")
    # trend: April 120 / January 240 over 3 months: 0.5 ^ (1/3) - 1 = -20.630 %
    assert plan.ad_budget_growth_pct == D("-20.630")
    # COGS 40 % of every line; no discounts or returns
    assert plan.cogs_pct == D("40.000")
    assert plan.commerce["discount_pct"] == "0"
    # prior cohorts: the months before May with new customers
    assert plan.prior_cohorts == [
        {"month": "2026-01", "customers": "10"},
        {"month": "2026-02", "customers": "5"},
        {"month": "2026-04", "customers": "1"},
    ]
    assert [c["cohorts"] for c in plan.calibration["curve"]] == [2, 2, 1]
    assert set(Scenario.objects.filter(assumption_set=plan).values_list("name", flat=True)) == {
        "Base",
        "Optimistic",
        "Conservative",
    }
    assert result.kept == []
    # Optimistic moves the blended and both channel CACs 15 % down: 45 -> 38.25, 40 -> 34, 60 -> 51.
    optimistic = Scenario.objects.get(name="Optimistic").overrides
    assert {k: v["value"] for k, v in optimistic.items() if k.startswith("cac")} == {
        "cac": "38.25",
        "cac_meta": "34.00",
        "cac_tiktok": "51.00",
    }


def test_a_driver_without_data_keeps_the_typed_value_and_says_so():
    make_store()
    save_calibrated("Store", days=120, until=dt.date(2026, 4, 30))
    # A window with orders but no ad spend: CAC cannot be measured.
    OrderFactory(created_at=at(dt.date(2026, 5, 3)), customer_key="customer:40", lines=[("50", 1, "20")])
    compute(dt.date(2026, 5, 1), dt.date(2026, 5, 31))
    again, result = save_calibrated("Store", days=31, until=dt.date(2026, 5, 31))
    assert again.version == 2
    assert again.cac == D("45.00")
    assert again.sources["cac"] == (
        "Not enough data: 0 paid new customers for 0.00 of spend, 2026-05-01..2026-05-31;"
        " the typed 45.00 is kept"
    )
    assert "cac" in result.kept
    assert AssumptionSet.objects.filter(name="Store").count() == 2


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_the_command_saves_a_version_runs_commerce_forecasts_and_import_reruns_moved_scenarios(tmp_path):
    make_store()
    output = run("calibrate_assumptions", "--days", "120", "--until", "2026-04-30", "--name", "Store")
    assert "cac: CAC 45.00: Meta+TikTok spend 360.00 / 8 paid new customers" in output
    assert "saved Store v1 from 2026-01-01..2026-04-30" in output
    runs = run_forecasts(Scenario.objects.filter(assumption_set__name="Store"), produced_by="test")
    base = next(r for r in runs if r.scenario_name == "Base")
    assert base.revenue_model == "commerce"
    assert base.months.count() == base.inputs["horizon_months"]
    first = base.months.get(month=1)
    # May: spend 91.31 / CAC 45 = 2.03 paid + 2.03 organic = 4.06 new customers;
    #   returning from January (10 x 10 % at month 4: the curve's last value held) + February
    #   (5 x 10 % at month 3) + April (1 x 26.667 % at month 1) = 1 + 0.5 + 0.26667 -> 1.77
    assert first.new_customers == D("4.06")
    assert first.returning_customers == D("1.77")
    assert first.revenue == first.gross_sales - first.discounts - first.returns
    # Export, change the repeat AOV, import: a new version, and the scenarios run again on it.
    target = tmp_path / "store.json"
    run("assumptions", "export", "Store", "-o", str(target))
    data = json.loads(target.read_text())
    assert data["revenue_model"] == "commerce"
    data["commerce_assumptions"]["repeat_aov"]["value"] = "44"
    target.write_text(json.dumps(data))
    before = ForecastRun.objects.count()
    output = run("assumptions", "import", str(target))
    assert "imported Store v2" in output
    assert "ran Base on Store v2: month-12 net sales" in output
    assert ForecastRun.objects.count() == before + 3
    v2 = AssumptionSet.objects.get(name="Store", version=2)
    assert v2.commerce["repeat_aov"] == "44"
    assert v2.repeat_curve == ["26.667", "0", "10"]


def test_the_etl_reads_behind_it_count_cohorts_and_returning_customers_by_toronto_month():
    make_store()
    since, before = at(dt.date(2025, 12, 1), 0), at(dt.date(2026, 5, 1), 0)
    assert cohort_sizes(since, before) == {
        dt.date(2026, 1, 1): 10,
        dt.date(2026, 2, 1): 5,
        dt.date(2026, 4, 1): 1,
    }
    # February: the guest (one customer however her email was typed), customers 1 and 2; March: 20; April: 3.
    assert returning_customers(since, before) == {
        dt.date(2026, 2, 1): 3,
        dt.date(2026, 3, 1): 1,
        dt.date(2026, 4, 1): 1,
    }
    repeats = {
        (r["cohort"], r["month"]): (r["customers"], r["orders"]) for r in cohort_repeats(since, before)
    }
    assert repeats[(dt.date(2026, 1, 1), dt.date(2026, 2, 1))] == (3, 4)
    sales = first_and_repeat_sales(since, before)
    assert sales["first"] == {"orders": 16, "gross": D("870.00")}
    assert sales["repeat"] == {"orders": 6, "gross": D("240.00")}


@time_machine.travel(dt.datetime(2026, 5, 1, 16, tzinfo=dt.UTC), tick=False)
def test_the_admin_action_calibrates_a_new_version_and_runs_its_scenarios(admin_client):
    make_store()
    save_calibrated("Store", days=120, until=dt.date(2026, 4, 30))
    v1 = AssumptionSet.objects.get(name="Store")
    response = admin_client.post(
        reverse("admin:finance_assumptionset_changelist"),
        {"action": "calibrate", "_selected_action": [v1.pk]},
        follow=True,
    )
    html = response.content.decode()
    assert "Saved Store v2 calibrated from 2026-01-31..2026-04-30" in html
    v2 = AssumptionSet.objects.get(name="Store", version=2)
    assert v2.revenue_model == "commerce" and v2.sources["cac"].endswith("2026-01-31..2026-04-30")
    assert set(ForecastRun.objects.filter(assumption_set=v2).values_list("scenario_name", flat=True)) == {
        "Base",
        "Optimistic",
        "Conservative",
    }
    run = ForecastRun.objects.get(assumption_set=v2, scenario_name="Base")
    page = admin_client.get(reverse("admin:finance_forecastrun_change", args=[run.pk])).content.decode()
    assert "Customers and sales" in page and "Costs, profit and cash" in page
    assert "Month-12 net sales" in page and "12-month customer value" in page
