import datetime as dt
from decimal import Decimal as D

import pytest

from etl.models import Channel, DailyMetric
from finance.drivers import NAMES
from finance.models import AssumptionSet, Scenario
from finance.versions import save_new_version
from tests.finance.cases import GROWING

JAN = dt.date(2026, 1, 1)


def plan_values(**changes) -> dict:
    """GROWING's drivers over 12 months, as an assumption set holds them."""
    values = {name: getattr(GROWING, name) for name in NAMES}
    values.update(horizon_months=12, starting_customers=100)
    values.update(changes)
    return values


@pytest.fixture
def make_set(db):
    def make(name: str = "Plan", *, start_month=JAN, one_off_costs=None, sources=None, note="", **changes):
        draft = AssumptionSet(
            name=name,
            start_month=start_month,
            one_off_costs=one_off_costs or [],
            sources=sources if sources is not None else {"price": "list price on the website"},
            note=note,
            **plan_values(**changes),
        )
        return save_new_version(draft).assumption_set

    return make


@pytest.fixture
def make_scenario(db):
    def make(name: str, assumption_set: AssumptionSet, overrides=None, **fields) -> Scenario:
        return Scenario.objects.create(
            name=name, assumption_set=assumption_set, overrides=overrides or {}, **fields
        )

    return make


@pytest.fixture
def daily_metric(db):
    def make(day: dt.date, *, net_sales="0", spend="0", new_customers=0, channel=Channel.ALL, **more):
        return DailyMetric.objects.create(
            date=day,
            channel=channel,
            currency="USD",
            net_sales=D(net_sales),
            spend=D(spend),
            new_customers=new_customers,
            **more,
        )

    return make
