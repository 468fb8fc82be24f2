"""Data quality: six checks on a hand-made week and a half."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from bizops.audit.analyzers import data_quality
from bizops.audit.base import Period
from health.models import JobRun
from tests.audit.conftest import metric
from tests.factories import JobRunFactory
from tests.metrics.factories import CampaignFactory, FxRateFactory, InsightFactory, OrderFactory, at

pytestmark = pytest.mark.django_db
TORONTO = ZoneInfo("America/Toronto")
PERIOD = Period(date(2025, 3, 1), date(2025, 3, 10))
NOW = datetime(2025, 3, 11, 12, 0, tzinfo=TORONTO)
JOBS = ["etl.pull_meta", "etl.pull_tiktok", "etl.pull_shopify", "etl.compute_metrics"]


def succeeded(job: str, hours_ago: int) -> None:
    finished = NOW - timedelta(hours=hours_ago)
    JobRunFactory(job=job, status=JobRun.Status.SUCCEEDED, started_at=finished, finished_at=finished)


@time_machine.travel(NOW, tick=False)
def test_every_failed_check_is_a_finding_and_the_score_counts_the_passed_ones():
    for job in JOBS:
        succeeded(job, hours_ago=6)  # fresh: within 36 hours
    for n in range(8):  # Mar 9 and 10 have no computed metrics
        metric(PERIOD.start + timedelta(days=n), orders=1)
    JobRunFactory(
        job="etl.pull_meta", status=JobRun.Status.FAILED, started_at=at(date(2025, 3, 5)), error="HTTP 500"
    )
    OrderFactory(created_at=at(date(2025, 3, 3)), test=True)
    OrderFactory(created_at=at(date(2025, 3, 2)), currency="CAD")
    for n in range(10):  # every CAD rate but Mar 2's
        if n != 1:
            FxRateFactory(day=PERIOD.start + timedelta(days=n), currency="CAD")
    result = data_quality.analyze(PERIOD)
    # fresh yes, no gaps no, no failed runs no, no test orders no, FX complete no, campaigns named yes:
    # 2 of 6 passed, 100 x 2 / 6 = 33.3, rounded 33.
    assert result.inputs == {
        "fresh": "passed",
        "no gaps": "failed",
        "no failed runs": "failed",
        "no test orders": "failed",
        "FX complete": "failed",
        "campaigns named": "passed",
    }
    assert result.score == 33
    assert result.kpi.value == Decimal(33) and result.kpi.gap == Decimal("0.67")
    findings = {f.key: f for f in result.findings}
    assert findings["day-gaps"].message.startswith("2 of 10 days have no computed metrics")
    assert findings["day-gaps"].evidence[0].rows == [{"day": "2025-03-09"}, {"day": "2025-03-10"}]
    assert findings["failed-runs"].evidence[0].rows[0]["error"] == "HTTP 500"
    assert findings["failed-runs"].evidence[0].url.endswith("/admin/health/jobrun/?status__exact=failed")
    assert findings["test-orders"].message.startswith("1 test order(s)")
    assert findings["fx-missing"].evidence[0].rows == [{"currency": "CAD", "day": "2025-03-02"}]


@time_machine.travel(NOW, tick=False)
def test_a_stale_source_and_an_unnamed_campaign_fail_their_checks():
    for job in JOBS[:3]:
        succeeded(job, hours_ago=6)
    succeeded("etl.compute_metrics", hours_ago=48)  # older than 36 hours
    for n in range(10):
        metric(PERIOD.start + timedelta(days=n), orders=1)
    InsightFactory(
        campaign=CampaignFactory(name="", external_id="999"), date=date(2025, 3, 4), spend=Decimal(25)
    )
    result = data_quality.analyze(PERIOD)
    # 4 of 6 passed: 100 x 4 / 6 = 66.7, rounded 67
    assert result.score == 67
    findings = {f.key: f for f in result.findings}
    assert findings["stale-sources"].message.endswith(": Metrics")
    assert findings["unnamed-campaigns"].evidence[0].rows == [
        {"platform": "meta", "campaign": "999", "spend": "25.00 USD"}
    ]


def test_nothing_loaded_is_not_enough_data():
    result = data_quality.analyze(PERIOD)
    assert result.score is None
    assert result.note == "not enough data: no computed day, no job run and no source ever pulled"
