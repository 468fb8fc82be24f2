"""Running scenarios by hand (the admin's job runner) and duplicating a scenario, without the admin."""

from decimal import Decimal

import pytest

from finance.jobs import JOB, run_by_hand
from finance.models import ForecastRun, Scenario
from health.locks import job_lock
from health.models import JobRun

pytestmark = pytest.mark.django_db


def test_a_manual_run_records_one_job_run_with_its_forecasts(make_set, make_scenario):
    base = make_scenario("Base", make_set())

    outcome = run_by_hand([base], produced_by="ada")

    assert [run.scenario_name for run in outcome.runs] == ["Base"]
    assert (outcome.problem, outcome.refused) == ("", False)
    job = JobRun.objects.get(job=JOB)
    assert (job.status, job.trigger) == (JobRun.Status.SUCCEEDED, JobRun.Trigger.MANUAL)


def test_nothing_to_run_is_said_and_records_nothing():
    outcome = run_by_hand([], produced_by="ada")
    assert outcome.runs == [] and not outcome.refused
    assert "No scenario to run" in outcome.problem
    assert not JobRun.objects.exists()


def test_a_run_while_another_holds_the_lock_is_skipped(make_set, make_scenario):
    base = make_scenario("Base", make_set())
    with job_lock(JOB) as held:
        assert held
        outcome = run_by_hand([base], produced_by="ada")
    assert outcome.runs == [] and not outcome.refused
    assert "in progress" in outcome.problem
    assert not ForecastRun.objects.exists()


def test_duplicating_a_scenario_names_each_copy_and_leaves_it_off(make_set, make_scenario):
    base = make_scenario("Base", make_set(), overrides={"price": {"value": "40", "notes": "test"}})

    first, second = base.duplicate(), base.duplicate()

    assert [first.name, second.name] == ["Base (copy)", "Base (copy 2)"]
    assert not first.active and not second.active
    assert first.override_values() == {"price": Decimal("40")}
    assert Scenario.objects.get(pk=base.pk).active
