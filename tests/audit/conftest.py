from datetime import date
from decimal import Decimal

import pytest

from etl.models import DailyMetric


@pytest.fixture(autouse=True)
def audit_settings(settings):
    # Targets and the activation event come from each test, never from the environment.
    settings.AUDIT_TARGETS = {}
    settings.AUDIT_ACTIVATION_METRIC = ""
    settings.REPORTING_CURRENCY = "USD"


def metric(day: date, channel: str = "all", **fields) -> DailyMetric:
    """A computed day: only the additive sums matter to the audit (it derives ratios from them)."""
    values = {
        name: Decimal(str(value)) if isinstance(value, float | str) else value
        for name, value in fields.items()
    }
    return DailyMetric.objects.create(date=day, channel=channel, currency="USD", **values)
