"""Unit economics: margins per order, and LTV:CAC measured from two customers' orders."""

from datetime import date
from decimal import Decimal

import pytest

from bizops.audit.analyzers import unit_economics
from bizops.audit.base import Period
from bizops.audit.data import AuditData
from tests.audit.conftest import metric
from tests.metrics.factories import OrderFactory, at

pytestmark = pytest.mark.django_db
PERIOD = Period(date(2025, 3, 1), date(2025, 3, 31))


def make_data():
    # The period: 10 orders, net sales 1,000, CM1 400, CM3 -100, spend 500, 5 new customers.
    metric(
        date(2025, 3, 5),
        orders=10,
        gross_sales=1000,
        net_sales=1000,
        total_sales=1000,
        cm1=400,
        cm3=-100,
        spend=500,
        new_customers=5,
    )
    # Two January customers: x orders 100 in January and 100 in February, y 200 in January.
    OrderFactory(customer_key="customer:x", created_at=at(date(2025, 1, 10)), subtotal=Decimal(100))
    OrderFactory(customer_key="customer:x", created_at=at(date(2025, 2, 10)), subtotal=Decimal(100))
    OrderFactory(customer_key="customer:y", created_at=at(date(2025, 1, 15)), subtotal=Decimal(200))


def test_measured_ltv_over_the_months_the_cohorts_have_lived():
    make_data()
    # Margin share = CM1 / net sales = 400 / 1,000 = 0.4. January has lived one full month (February)
    # before March: k = 1. Month 0: 0.4 x 300 / 2 = 60; months 0-1: 0.4 x 400 / 2 = 80.
    k, ltv, curve = unit_economics.measured_ltv(
        AuditData(PERIOD).customers.cohorts, PERIOD.end, Decimal("0.4")
    )
    assert (k, ltv, curve) == (1, Decimal(80), [Decimal(60), Decimal(80)])


def test_cm3_per_order_and_ltv_to_cac_score_their_gaps(settings):
    make_data()
    settings.AUDIT_TARGETS = {"ltv_to_cac": "2"}
    result = unit_economics.analyze(PERIOD)
    cm3, ltv_cac = result.kpis
    # CM3 per order = -100 / 10 = -10; target 0; gap measured against AOV (100): 10 / 100 = 0.1.
    assert (cm3.value, cm3.gap) == (Decimal(-10), Decimal("0.1"))
    # CAC = 500 / 5 = 100; measured LTV:CAC = 80 / 100 = 0.8; gap (2 - 0.8) / 2 = 0.6.
    assert (ltv_cac.value, ltv_cac.gap) == (Decimal("0.8"), Decimal("0.6"))
    # score = 100 x (1 - (0.1 + 0.6) / 2) = 65
    assert result.score == 65
    findings = {f.key: f for f in result.findings}
    assert findings["cm3-negative"].message.startswith("Each order loses 10.00 USD after its ads")
    side_by_side = findings["ltv-cac-below-plan"].evidence[0].rows
    assert side_by_side[0] == {"figure": "LTV", "plan": "n/a", "measured": "80.00 USD (2 months)"}
    # Cumulative margin per customer 60, then 80: never reaches the CAC of 100.
    assert side_by_side[3] == {"figure": "CAC payback (months)", "plan": "n/a", "measured": "beyond 2"}


def test_without_a_plan_ltv_to_cac_has_no_target_and_only_cm3_scores():
    make_data()
    result = unit_economics.analyze(PERIOD)
    assert result.kpis[1].target is None
    # score = 100 x (1 - 0.1) = 90
    assert result.score == 90


def test_no_orders_is_not_enough_data():
    assert unit_economics.analyze(PERIOD).score is None
