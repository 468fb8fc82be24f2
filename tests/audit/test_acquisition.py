"""Acquisition on ten hand-made days; every figure is worked out in the comments."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from bizops.audit.analyzers import acquisition
from bizops.audit.base import Period
from etl.selectors import daily_rows
from tests.audit.conftest import metric

pytestmark = pytest.mark.django_db
PERIOD = Period(date(2025, 3, 1), date(2025, 3, 10))  # previous: Feb 19 to Feb 28


def make_days():
    # This period: 5 light days (spend 50, 2 new customers) then 5 heavy ones (spend 150, 3).
    # Spend 5 x 50 + 5 x 150 = 1,000; new customers 5 x 2 + 5 x 3 = 25; CAC = 1,000 / 25 = 40.
    for n in range(10):
        heavy = n >= 5
        metric(PERIOD.start + timedelta(days=n), spend=150 if heavy else 50, new_customers=3 if heavy else 2)
    # The previous period: spend 10 x 80 = 800, new customers 5 x 2 + 5 x 3 = 25; CAC = 32.
    for n in range(10):
        metric(PERIOD.previous.start + timedelta(days=n), spend=80, new_customers=2 if n < 5 else 3)
    # Channels: Meta 700 (20 conversions) and TikTok 300 (none) now; Meta all 800 before.
    metric(PERIOD.start, "meta", spend=700, platform_conversions=20)
    metric(PERIOD.start, "tiktok", spend=300)
    metric(PERIOD.previous.start, "meta", spend=800, platform_conversions=25)


def test_cac_above_the_previous_period_scores_its_gap():
    make_days()
    result = acquisition.analyze(PERIOD)
    kpi = result.kpi
    assert (kpi.value, kpi.target, kpi.target_source) == (Decimal(40), Decimal(32), "previous period")
    # gap = (40 - 32) / 32 = 0.25; score = 100 x (1 - 0.25) = 75
    assert kpi.gap == Decimal("0.25")
    assert result.score == 75
    assert result.findings[0].key == "cac-above-target"
    assert result.findings[0].severity == "high"  # a gap of 20 % or more
    assert "Blended CAC is 40.00 USD, 25.0 % above its target (at most 32.00 USD, previous period)" in (
        result.findings[0].message
    )


def test_marginal_cac_is_the_cost_of_a_customer_on_the_heavy_days():
    make_days()
    # Sorted by spend (ties by day), cumulative: 50 ... 250, 400, 550, 700, 850, 1,000: the 9th day
    # passes 80 % of 1,000, so days 9 and 10 are heavy (they hold the last 20 %), 8 days light.
    # Light: spend (250 + 3 x 150) / 8 = 87.5, customers (10 + 3 x 3) / 8 = 2.375. Heavy: 150 and 3.
    # Marginal CAC = (150 - 87.5) / (3 - 2.375) = 62.5 / 0.625 = 100, over 1.5 x 40: a finding.
    rows = [r for r in daily_rows((PERIOD.start, PERIOD.end)) if r["channel"] == "all"]
    marginal, inputs = acquisition.marginal_cac(rows)
    assert marginal == Decimal(100)
    assert (inputs["heavy days"], inputs["light days"]) == (2, 8)
    result = acquisition.analyze(PERIOD)
    finding = next(f for f in result.findings if f.key == "marginal-cac")
    assert "customers at 100.00 USD each, 2.50 x the blended CAC" in finding.message
    assert result.inputs["marginal CAC (last 20 % of spend)"] == "100.00 USD"


def test_marginal_cac_when_the_heavy_days_bring_no_more_customers():
    # The same spend as above (days 9 and 10 heavy) but 3 new customers every day: 0 more per heavy day.
    spends = [50] * 5 + [150] * 5
    days = [
        {"date": date(2025, 3, n), "spend": Decimal(s), "new_customers": 3} for n, s in enumerate(spends, 1)
    ]
    marginal, inputs = acquisition.marginal_cac(days)
    assert marginal is None
    assert inputs["why"] == "no customers for the extra spend"


def test_the_channel_mix_and_a_channel_without_conversions_are_findings():
    make_days()
    findings = {f.key: f for f in acquisition.analyze(PERIOD).findings}
    # Meta: 800 / 800 = 100 % before, 700 / 1,000 = 70 % now: -30 points.
    assert "Meta's share of spend moved -30.0 pts (100.0 % to 70.0 %)" in findings["mix-meta"].message
    assert "TikTok spent 300.00 USD with no conversion" in findings["no-conversions-tiktok"].message
    rows = next(e for f in findings.values() for e in f.evidence if e.rows).rows
    # Meta's channel CAC = 700 / 20 = 35.
    assert rows[0] == {
        "channel": "Meta",
        "spend": "700.00 USD",
        "share of spend": "70.0 %",
        "share before": "100.0 %",
        "platform conversions": "20.0",
        "channel CAC": "35.00 USD",
    }


def test_a_target_set_by_the_team_wins(settings):
    make_days()
    settings.AUDIT_TARGETS = {"blended_cac": "50"}
    result = acquisition.analyze(PERIOD)
    # 40 is within "at most 50": no gap, score 100.
    assert (result.kpi.target_source, result.kpi.gap, result.score) == ("AUDIT_TARGETS", 0, 100)
    assert "cac-above-target" not in {f.key for f in result.findings}


def test_no_spend_is_not_enough_data():
    result = acquisition.analyze(PERIOD)
    assert result.score is None
    assert result.note.startswith("not enough data")
    assert result.kpi.value is None
