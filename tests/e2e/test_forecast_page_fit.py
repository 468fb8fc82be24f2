"""The forecast page at 1,400 px in Chromium (Playwright): a commerce plan with actuals and a backtest.

Served by the live server to a logged-in superuser; nothing scrolls sideways,
the "Days with data" and "Run" columns are in view, every chart is drawn
(the repeat curve included) and the backtest table is there. A screenshot is
saved with the test output.
"""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.utils import timezone

from etl.models import DailyMetric
from finance.drivers import add_months
from finance.models import AssumptionSet, Scenario
from finance.services import run_forecast
from tests.e2e.conftest import WIDTH
from tests.e2e.test_admin_pages_fit import widths

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]
CANVASES = [
    "chart-mrr",
    "chart-cash",
    "chart-curve",
    "chart-levers-mrr",
    "chart-levers-break-even",
    "chart-actuals",
]


@pytest.fixture
def store():
    today = timezone.localdate()
    start = add_months(today.replace(day=1), -3)
    plan = AssumptionSet.objects.create(
        name="Store plan with a rather long name",
        version=1,
        revenue_model="commerce",
        start_month=start,
        horizon_months=24,
        starting_cash=D("250000"),
        starting_customers=0,
        starting_mrr=0,
        price=0,
        ad_budget=D("35000"),
        ad_budget_growth_pct=D("2"),
        cac=D("50"),
        organic_new_customers=D("120"),
        churn_pct=0,
        expansion_pct=0,
        cogs_pct=D("35"),
        payment_fee_pct=D("2.9"),
        fixed_salaries=D("45000"),
        fixed_tools=D("4000"),
        fixed_other=D("8000"),
        commerce={
            "first_order_aov": "218.11",
            "repeat_aov": "208.70",
            "cac_meta": "48.58",
            "cac_tiktok": "57.41",
            "meta_spend_share_pct": "64.8",
            "discount_pct": "1.85",
            "returns_pct": "1.05",
            "fulfilment_per_order": "7.50",
            "repeat_tail_decay_pct": "5",
        },
        repeat_curve=["13.6", "9.2", "7.1"],
        prior_cohorts=[{"month": f"{add_months(start, -1):%Y-%m}", "customers": "765"}],
        calibration={
            "window": ["2026-09-01", "2026-11-29"],
            "curve": [
                {"k": 1, "share": "13.6", "customers": 104, "size": 765, "cohorts": 1},
                {"k": 2, "share": "9.2", "customers": 70, "size": 765, "cohorts": 1},
            ],
            "cohorts": [{"cohort": "2026-09", "size": 765, "shares": {"1": "13.6", "2": "9.2"}}],
        },
        sources={
            "cac": "CAC 50.00: Meta+TikTok spend 104,463.30 / 2,089.27 paid new customers, "
            "2026-09-01..2026-11-29"
        },
    )
    runs = []
    for position, name in enumerate(["Base", "Optimistic", "Conservative with a long scenario name"]):
        scenario = Scenario.objects.create(name=name, assumption_set=plan, position=position)
        runs.append(run_forecast(scenario, produced_by="tests"))
    day = start
    while day < today:
        DailyMetric.objects.create(
            date=day,
            channel="all",
            currency="USD",
            net_sales=D("5712.33"),
            spend=D("1150.12"),
            new_customers=25,
            orders=28,
            cm1=D("3712.99"),
        )
        day += dt.timedelta(days=1)
    return runs


def test_the_forecast_page_fits_1400_px_with_the_backtest(page, live_server, output_dir, store):
    page.goto(f"{live_server.url}/admin/finance/forecast/")
    page.wait_for_function("document.querySelectorAll('canvas[data-drawn=true]').length >= 6")
    page.screenshot(path=str(output_dir / "forecast-page-1400.png"), full_page=True)
    seen = widths(page, "#finance-summary")
    assert seen["page"][0] <= seen["page"][1], f"the page scrolls sideways: {seen['page']}"
    for table in ("#finance-summary", "#finance-actuals", "#finance-backtest"):
        fit = widths(page, table)["table"]
        assert fit is not None, f"{table} is not on the page"
        assert fit[0] <= fit[1], f"{table} scrolls sideways: {fit}"
        right = page.locator(table).bounding_box()
        assert right["x"] + right["width"] <= WIDTH, f"{table} runs past the window"
    for header in ("Days with data", "Run"):
        cell = page.locator("th", has_text=header).first
        box = cell.bounding_box()
        assert cell.is_visible() and box["x"] + box["width"] <= WIDTH, f"{header} is cut off"
    for canvas in CANVASES:
        assert page.locator(f"#{canvas}").get_attribute("data-drawn") == "true", f"{canvas} was not drawn"
    backtest = page.locator("#finance-backtest")
    # One row per run, then one per scenario with its runs pooled.
    assert backtest.locator("tbody tr").count() == 6
    assert backtest.locator("tbody tr.finance-pooled").count() == 3
    assert "Commerce runs: WAPE and bias per figure" in backtest.inner_text()
    assert "Calibrated from the orders and ad spend of 2026-09-01..2026-11-29" in page.content()
