"""Retention on four hand-made customers."""

from datetime import date
from decimal import Decimal

import pytest

from bizops.audit.analyzers import retention
from bizops.audit.base import Period
from tests.metrics.factories import OrderFactory, at

pytestmark = pytest.mark.django_db
PERIOD = Period(date(2025, 3, 1), date(2025, 3, 31))  # the previous period ends Feb 28


def make_orders():
    for key, days in {
        "customer:a": [date(2025, 1, 10), date(2025, 2, 15), date(2025, 3, 20)],
        "customer:b": [date(2025, 1, 20)],
        "customer:c": [date(2025, 2, 5), date(2025, 2, 25)],
        "customer:d": [date(2025, 3, 10), date(2025, 3, 12)],
    }.items():
        for day in days:
            OrderFactory(customer_key=key, created_at=at(day), subtotal=Decimal(100))
    OrderFactory(customer_key="customer:e", created_at=at(date(2025, 4, 2)))  # after the period: not seen
    OrderFactory(customer_key="customer:b", created_at=at(date(2025, 3, 5)), test=True)  # not counted


def test_repeat_rate_against_the_previous_period():
    make_orders()
    result = retention.analyze(PERIOD)
    # By Mar 31: 4 customers, a, c and d with a second order: 3 / 4 = 75 %.
    # By Feb 28: a, b and c; a (Feb 15) and c (Feb 25) had a second order: 2 / 3 = 66.7 %.
    kpi = result.kpi
    assert kpi.value == Decimal(3) / 4
    assert kpi.previous == Decimal(2) / 3
    assert (kpi.target_source, kpi.gap, result.score) == ("previous period", 0, 100)
    # Days to a second order: a 36 (Jan 10 to Feb 15), c 20, d 2; the median is 20.
    assert result.inputs["median days to second order"] == "20.0"


def test_a_target_above_the_rate_scores_the_gap(settings):
    make_orders()
    settings.AUDIT_TARGETS = {"repeat_rate": "0.9"}
    result = retention.analyze(PERIOD)
    # gap = (0.9 - 0.75) / 0.9 = 0.1667; score = 100 x 0.8333 = 83
    assert result.score == 83
    assert result.findings[0].key == "repeat-below-target"
    assert result.findings[0].message.startswith("Repeat rate is 75.0 % (3 of 4 customers), below its target")


def test_cohort_curves_by_first_order_month_blank_past_what_a_cohort_has_lived():
    make_orders()
    result = retention.analyze(PERIOD)
    rows = next(e for f in result.findings for e in f.evidence if e.rows).rows
    # January (a, b): a's second order in February, month 1: 0 %, 50 %, 50 % by March, then not yet lived.
    assert rows[0] == {
        "cohort": "2025-01",
        "customers": "2",
        "month 0": "0.0 %",
        "month 1": "50.0 %",
        "month 2": "50.0 %",
        "month 3": "",
        "month 4": "",
        "month 5": "",
    }
    # February (c, second order the same month) and March (d, the same).
    assert [rows[1]["month 0"], rows[1]["month 1"], rows[1]["month 2"]] == ["100.0 %", "100.0 %", ""]
    assert [rows[2]["month 0"], rows[2]["month 1"]] == ["100.0 %", ""]


def test_no_customer_is_not_enough_data():
    result = retention.analyze(PERIOD)
    assert (result.score, result.kpi.value) == (None, None)
    assert result.note.startswith("not enough data")
