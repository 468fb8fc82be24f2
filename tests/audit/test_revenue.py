"""Revenue on hand-made days: this period, the previous one and last year."""

from datetime import date
from decimal import Decimal

import pytest

from bizops.audit.analyzers import revenue
from bizops.audit.base import Period
from tests.audit.conftest import metric

pytestmark = pytest.mark.django_db
PERIOD = Period(date(2025, 3, 1), date(2025, 3, 2))  # previous Feb 27-28; last year Mar 1-2, 2024


def make_days():
    sales = {"gross_sales": 1100, "discounts": 100, "returns": 50, "net_sales": 950, "total_sales": 1000}
    metric(date(2025, 3, 1), orders=10, spend=200, **sales)
    sales = {"gross_sales": 1000, "discounts": 50, "returns": 20, "net_sales": 930, "total_sales": 1000}
    metric(date(2025, 2, 28), orders=10, spend=250, **sales)
    sales = {"gross_sales": 1050, "discounts": 20, "returns": 30, "net_sales": 1000, "total_sales": 1100}
    metric(date(2024, 3, 2), orders=8, spend=100, **sales)


def test_each_kpi_against_its_target_and_the_score():
    make_days()
    result = revenue.analyze(PERIOD)
    kpis = {k.key: k for k in result.kpis}
    # Net sales 950 against last year's 1,000: gap 50 / 1,000 = 0.05.
    assert (kpis["net_sales"].target, kpis["net_sales"].target_source) == (
        Decimal(1000),
        "last year, same dates",
    )
    assert kpis["net_sales"].gap == Decimal("0.05")
    # AOV 950 / 10 = 95 against 930 / 10 = 93: no gap. MER 1,000 / 200 = 5 against 1,000 / 250 = 4: none.
    assert (kpis["aov"].value, kpis["aov"].gap) == (Decimal(95), 0)
    assert (kpis["mer"].value, kpis["mer"].gap) == (Decimal(5), 0)
    # Refund rate 50 / 1,100 = 4.55 % against 20 / 1,000 = 2 %: (0.04545 - 0.02) / 0.02 = 1.27, held at 1.
    assert kpis["refund_rate"].gap == 1
    # score = 100 x (1 - (0.05 + 0 + 1 + 0) / 4) = 100 x 0.7375 = 73.75, rounded 74
    assert result.score == 74


def test_findings_name_what_is_off_and_the_evidence_compares_three_periods():
    make_days()
    findings = {f.key: f for f in revenue.analyze(PERIOD).findings}
    assert findings["net_sales-off-target"].severity == "medium"  # 5 %: from 5 % medium, from 20 % high
    assert findings["refund_rate-off-target"].severity == "high"
    assert findings["refund_rate-off-target"].message == (
        "Refund rate is 4.5 %, at most 2.0 % wanted (previous period)"
    )
    # Discounts: 100 / 1,100 = 9.1 % against 50 / 1,000 = 5.0 %: +4.1 points.
    assert (
        "Discounts take 9.1 % of gross sales, +4.1 pts on the previous period"
        in findings["discounts-up"].message
    )
    rows = findings["net_sales-off-target"].evidence[0].rows
    assert rows[0] == {
        "figure": "Net sales",
        "this period": "950.00 USD",
        "previous period": "930.00 USD",
        "vs previous": "+2.2 %",
        "last year": "1,000.00 USD",
        "vs last year": "-5.0 %",
    }
    assert "/admin/dashboards/metrics/?range=custom&since=2025-03-01&until=2025-03-02" in (
        findings["net_sales-off-target"].evidence[0].url
    )


def test_without_last_year_net_sales_are_held_to_the_previous_period():
    metric(date(2025, 3, 1), orders=10, gross_sales=1000, net_sales=1000, total_sales=1000, spend=100)
    metric(date(2025, 2, 28), orders=10, gross_sales=800, net_sales=800, total_sales=800, spend=100)
    kpi = revenue.analyze(PERIOD).kpi
    assert (kpi.target, kpi.target_source, kpi.gap) == (Decimal(800), "previous period", 0)


def test_no_orders_is_not_enough_data():
    result = revenue.analyze(PERIOD)
    assert (result.score, result.kpi.value) == (None, None)
    assert result.note == "not enough data: no orders in the period's computed metrics"
