"""Experimentation: running, decided, velocity, SRM and decisions, on hand-made experiments."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from bizops.audit.analyzers import experimentation
from bizops.audit.base import Period
from flags.models import Experiment, ExperimentAnalysis
from tests.flags.conftest import ExperimentFactory, running_experiment

pytestmark = pytest.mark.django_db
TORONTO = ZoneInfo("America/Toronto")
NOW = datetime(2025, 3, 31, 12, 0, tzinfo=TORONTO)
PERIOD = Period(date(2025, 3, 1), date(2025, 3, 30))  # 30 days; the previous: Jan 30 to Feb 28
S = Experiment.Status


def ended(day: int, month: int = 3) -> datetime:
    return datetime(2025, month, day, 10, 0, tzinfo=TORONTO)


@time_machine.travel(NOW, tick=False)
def test_srm_and_an_experiment_ended_without_a_decision_fail_their_checks():
    srm = running_experiment()
    ExperimentAnalysis.objects.create(experiment=srm, srm_flagged=True, srm_p_value=Decimal("0.0001"))
    ExperimentFactory(key="decided-now", status=S.DECIDED, decision="ship", ended_at=ended(10))
    ExperimentFactory(key="stopped", status=S.STOPPED, ended_at=ended(15))
    ExperimentFactory(key="decided-before", status=S.DECIDED, decision="kill", ended_at=ended(10, 2))
    result = experimentation.analyze(PERIOD)
    # something running yes; velocity held yes (1 decided against 1); no SRM no; decisions made no:
    # 2 of 4 = 50.
    assert result.score == 50
    # Velocity = 1 decided / (30 / 30) = 1.0 a month, the same as before: no gap.
    assert (result.kpi.value, result.kpi.target, result.kpi.gap) == (Decimal(1), Decimal(1), 0)
    findings = {f.key: f for f in result.findings}
    assert findings["srm"].evidence[0].rows[0]["experiment"] == "checkout-copy"
    assert findings["no-decision"].evidence[0].rows == [
        {"experiment": "stopped", "status": "Stopped", "ended": "2025-03-15", "owner": "(none)"}
    ]


@time_machine.travel(NOW, tick=False)
def test_nothing_running_and_nothing_decided_is_the_worst_case():
    ExperimentFactory(key="an-idea", status=S.IDEA)
    ExperimentFactory(key="decided-before", status=S.DECIDED, decision="kill", ended_at=ended(10, 2))
    result = experimentation.analyze(PERIOD)
    # something running no; velocity held no (0 against 1); no SRM yes; decisions made yes: 50.
    assert result.score == 50
    # Velocity 0 against 1: gap 1, the KPI is as far off as it can be.
    assert result.kpi.gap == 1
    assert {"none-running", "velocity-down"} <= {f.key for f in result.findings}


def test_no_experiment_is_not_enough_data():
    assert experimentation.analyze(PERIOD).note == "not enough data: no experiment yet"
