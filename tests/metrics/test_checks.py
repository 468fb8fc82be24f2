from datetime import date

import pytest
import time_machine

from etl.metrics.checks import missing_fx_rates
from health import registry
from tests.metrics.factories import AdAccountFactory, CampaignFactory, FxRateFactory, InsightFactory

pytestmark = pytest.mark.django_db


@time_machine.travel("2025-03-20 10:00:00-04:00", tick=False)
def test_the_sweep_flags_days_of_the_trailing_window_without_an_fx_rate():
    campaign = CampaignFactory(account=AdAccountFactory(platform="tiktok", external_id="77", currency="CAD"))
    for day in (date(2025, 3, 1), date(2025, 3, 2), date(2025, 3, 5)):
        InsightFactory(campaign=campaign, date=day)
    FxRateFactory(day=date(2025, 3, 2), currency="CAD")
    InsightFactory(date=date(2025, 3, 3))  # USD: needs no rate
    [finding] = missing_fx_rates()
    assert finding.severity == "error"
    assert finding.message.startswith(
        "no FX rate for CAD on 2 day(s) of the last 60 (first 2025-03-01, last 2025-03-05)"
    )
    assert "metrics:fx-rates" in registry.checks()
    assert "etl.compute_metrics" in {spec.name for spec in registry.jobs()}
