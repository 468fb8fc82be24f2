from datetime import date
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from etl.metrics.demo_fx import demo_rate, fill_demo_rates
from etl.models import FxRate
from tests.metrics.factories import FxRateFactory

pytestmark = pytest.mark.django_db


def test_it_fills_only_the_missing_days_and_never_replaces_a_rate():
    FxRateFactory(day=date(2025, 3, 2), currency="EUR", rate=Decimal("1.5"))
    assert fill_demo_rates(["EUR", "USD"], date(2025, 3, 1), date(2025, 3, 3)) == 2
    assert FxRate.objects.get(day=date(2025, 3, 2), currency="EUR").rate == Decimal("1.5")
    assert FxRate.objects.get(day=date(2025, 3, 1), currency="EUR").rate == demo_rate("EUR", date(2025, 3, 1))
    assert not FxRate.objects.filter(currency="USD").exists()


def test_demo_rates_stay_within_one_percent_of_the_base():
    rates = [demo_rate("EUR", date(2025, 1, 1).replace(day=n)) for n in range(1, 29)]
    assert all(Decimal("1.0692") <= rate <= Decimal("1.0908") for rate in rates)
    assert len(set(rates)) > 20


def test_the_command_refuses_on_a_production_database(settings, monkeypatch):
    settings.DEBUG = False
    monkeypatch.setitem(settings.DATABASES["default"], "ENGINE", "django.db.backends.postgresql")
    with pytest.raises(CommandError, match="refusing with DEBUG off on PostgreSQL"):
        call_command("demo_fx_rates", "--currency", "EUR")
    assert not FxRate.objects.exists()
