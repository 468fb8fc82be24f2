"""Instrumentation (flags, ticket KPIs) and activation (the event and its rate)."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from bizops.audit import kpis
from bizops.audit.analyzers import activation, instrumentation
from bizops.audit.base import Period
from flags.models import Conversion, Exposure
from tests.factories import BacklogTicketFactory, UserFactory
from tests.flags.conftest import FlagFactory, running_experiment

pytestmark = pytest.mark.django_db
TORONTO = ZoneInfo("America/Toronto")
PERIOD = Period(date(2025, 3, 1), date(2025, 3, 10))  # previous: Feb 19 to Feb 28


@time_machine.travel(datetime(2025, 3, 11, 12, 0, tzinfo=TORONTO), tick=False)
def test_unowned_flags_and_unknown_ticket_kpis_fail_their_checks():
    FlagFactory(key="owned", owner=UserFactory(), last_evaluated_at=datetime(2025, 3, 10, tzinfo=TORONTO))
    FlagFactory(key="nobodys", last_evaluated_at=datetime(2025, 3, 10, tzinfo=TORONTO))
    BacklogTicketFactory(key="cac", kpi="Blended CAC (spend / new customers)")
    BacklogTicketFactory(key="upgrades", kpi="Upgrade rate (upgrading / hitting a limit)")
    BacklogTicketFactory(key="closed", kpi="Something else", status="done")  # done: not checked
    result = instrumentation.analyze(PERIOD)
    # flags owned no; no stale flags yes (both evaluated yesterday, created today); KPIs computed no: 1 of 3.
    assert result.inputs == {
        "flags owned": "failed",
        "no stale flags": "passed",
        "ticket KPIs computed": "failed",
    }
    assert result.score == 33
    findings = {f.key: f for f in result.findings}
    assert findings["unowned-flags"].message == "1 of 2 flag(s) have no owner"
    assert findings["unknown-kpis"].evidence[0].rows == [
        {"ticket": "upgrades", "KPI named": "Upgrade rate (upgrading / hitting a limit)"}
    ]


def test_a_ticket_kpi_is_matched_by_key_label_or_alias_before_its_explanation():
    assert kpis.match("blended_cac") == "blended_cac"
    assert kpis.match("Repeat rate (customers with 2 orders / customers)") == "repeat_rate"
    assert kpis.match("CAC") == "blended_cac"
    assert kpis.match("net sales") == "net_sales"
    assert kpis.match("Monthly customer churn") is None
    assert kpis.match("") is None


def test_no_flag_and_no_ticket_kpi_is_not_enough_data():
    assert instrumentation.analyze(PERIOD).score is None


def test_no_activation_event_defined_is_a_finding():
    result = activation.analyze(PERIOD)
    assert result.score is None
    assert result.findings[0].key == "not-defined"
    assert result.findings[0].message.startswith(
        "No activation event is defined: set AUDIT_ACTIVATION_METRIC"
    )


def expose(experiment, users: list[str], day: datetime) -> None:
    for user in users:
        Exposure.objects.create(experiment=experiment, user_key=user, variant="control", exposed_at=day)


def test_the_activation_rate_against_the_previous_period(settings):
    settings.AUDIT_ACTIVATION_METRIC = "signup"
    experiment = running_experiment()
    now, before = datetime(2025, 3, 5, 12, tzinfo=TORONTO), datetime(2025, 2, 25, 12, tzinfo=TORONTO)
    expose(experiment, ["u1", "u2", "u3", "u4"], now)
    expose(experiment, ["p1", "p2"], before)
    Conversion.objects.create(user_key="u1", metric="signup", occurred_at=now + timedelta(hours=1))
    Conversion.objects.create(user_key="p1", metric="signup", occurred_at=before + timedelta(hours=1))
    result = activation.analyze(PERIOD)
    # Now 1 of 4 = 25 %; before 1 of 2 = 50 %: gap (0.5 - 0.25) / 0.5 = 0.5, score 50.
    assert (result.kpi.value, result.kpi.target) == (Decimal("0.25"), Decimal("0.5"))
    assert result.score == 50
    assert result.findings[0].key == "below-target"
    assert result.findings[0].message.startswith("Activation rate is 25.0 % (1 of 4 users), below its target")
