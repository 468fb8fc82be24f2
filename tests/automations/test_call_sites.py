"""Apps emit their events where the change happens, in its transaction."""

from types import SimpleNamespace

import pytest
from django.contrib.admin import site

from bizops.events.models import Event
from flags import results
from flags.models import Experiment, Flag
from tests.finance.conftest import make_scenario, make_set  # noqa: F401 (fixtures)
from tests.flags.conftest import FlagFactory, running_experiment
from tests.flags.test_experiments import convert, expose

pytestmark = pytest.mark.django_db


def events(type_: str) -> list[dict]:
    return [e.payload for e in Event.objects.filter(type=type_).order_by("created_at")]


def test_experiment_sample_and_srm_are_emitted_once_when_they_turn_true():
    experiment = running_experiment()
    expose(experiment, "control", range(50))
    expose(experiment, "treatment", range(50))
    results.recompute(experiment)
    assert events("experiment.sample_reached") == []
    expose(experiment, "control", range(50, 5500))
    expose(experiment, "treatment", range(50, 4500))
    convert("control", range(500))
    convert("treatment", range(500))
    results.recompute(experiment)
    results.recompute(experiment)
    [srm] = events("experiment.srm_detected")
    [sample] = events("experiment.sample_reached")
    assert srm["experiment"] == sample["experiment"] == experiment.key
    assert (sample["users"], sample["conversions"]) == (10_000, 1_000)


def test_saving_a_flag_or_deciding_an_experiment_in_the_admin_emits_its_event(rf, admin_user):
    request = rf.post("/")
    request.user = admin_user
    flag = FlagFactory(key="new-checkout")
    site._registry[Flag].save_model(request, flag, form=None, change=True)
    assert events("flag.changed") == [
        {
            "flag": "new-checkout",
            "change": "changed",
            "by": "boss",
            "admin_path": f"/admin/flags/flag/{flag.pk}/change/",
        }
    ]
    experiment = running_experiment(flag_key="other")
    experiment.status, experiment.decision, experiment.reasoning = Experiment.Status.DECIDED, "ship", "it won"
    site._registry[Experiment].save_model(
        request, experiment, form=SimpleNamespace(changed_data=["status"]), change=True
    )
    [decided] = events("experiment.decided")
    assert (decided["experiment"], decided["decision"], decided["reasoning"]) == (
        experiment.key,
        "ship",
        "it won",
    )


def test_a_forecast_run_emits_forecast_ready_in_its_transaction(make_scenario, make_set):  # noqa: F811
    from finance.services import run_forecast

    run = run_forecast(make_scenario("Base", make_set()), produced_by="tests")
    assert events("forecast.ready") == [
        {
            "scenario": "Base",
            "run_id": run.pk,
            "produced_by": "tests",
            "admin_path": f"/admin/finance/forecastrun/{run.pk}/change/",
        }
    ]


def test_a_commerce_forecast_run_emits_forecast_ready_too(make_scenario):  # noqa: F811
    from finance.services import run_forecast
    from tests.finance.test_backtest import commerce_plan

    run = run_forecast(commerce_plan(make_scenario), produced_by="tests")
    assert run.is_commerce
    assert [event["run_id"] for event in events("forecast.ready")] == [run.pk]


def test_every_etl_run_announces_its_end_by_any_trigger_and_other_jobs_do_not():
    import pytest as _pytest

    from health.jobs import track_job

    with track_job("etl.compute_metrics", trigger="command") as handle:
        handle.run.rows_read, handle.run.rows_written = 120, 30
    with _pytest.raises(ValueError), track_job("etl.nightly_pipeline", trigger="beat"):
        raise ValueError("boom")
    with track_job("health.weekly_sweep", trigger="command"):
        pass
    finished = events("etl.run_finished")
    assert [(e["job"], e["status"], e["rows_read"], e["rows_written"]) for e in finished] == [
        ("etl.compute_metrics", "succeeded", 120, 30),
        ("etl.nightly_pipeline", "failed", 0, 0),
    ]
    assert all(e["admin_path"] == f"/admin/health/jobrun/{e['run_id']}/change/" for e in finished)
