"""Experiments: assignment, deduplicated exposures, conversions, results and their task."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

import flags
from etl.models import Order
from flags import hashing, results
from flags.models import Conversion, Experiment, ExperimentAnalysis, Exposure
from flags.tasks import recompute_results
from tests.flags.conftest import ExperimentFactory, FlagFactory, running_experiment

pytestmark = pytest.mark.django_db


def test_it_assigns_with_the_experiment_key_as_seed():
    running_experiment(key="checkout-copy")
    for i in range(50):
        n = hashing.gb_hash("checkout-copy", f"u{i}", 2)
        assert flags.variant("checkout-copy", {"id": f"u{i}"}) == ("control" if n < 0.5 else "treatment")


def test_it_records_one_exposure_per_user_and_experiment():
    experiment = running_experiment()
    for _ in range(3):
        flags.is_on("checkout", {"id": "same-user"})
    flags.tracking.forget_recent()  # another process: the database still deduplicates
    flags.is_on("checkout", {"id": "same-user"})
    flags.is_on("checkout", {"id": "other-user"})
    assert Exposure.objects.filter(experiment=experiment).count() == 2


def test_a_stopped_experiment_assigns_nobody():
    experiment = running_experiment()
    experiment.status = Experiment.Status.STOPPED
    experiment.save()
    assert flags.variant(experiment.key, {"id": "u1"}) is None
    assert not flags.is_on("checkout", {"id": "u1"})
    assert not Exposure.objects.exists()


def test_it_refuses_weights_that_do_not_sum_to_1():
    experiment = ExperimentFactory.build(
        key="bad", variants=[{"key": "a", "weight": 0.5, "value": 1}, {"key": "b", "weight": 0.6, "value": 2}]
    )
    with pytest.raises(ValidationError) as caught:
        experiment.full_clean()
    assert caught.value.message_dict["variants"] == ["weights sum to 1.1; they must sum to 1"]


def test_a_decided_experiment_needs_its_reasoning():
    experiment = ExperimentFactory.build(key="done", status=Experiment.Status.DECIDED, decision="ship")
    with pytest.raises(ValidationError) as caught:
        experiment.full_clean()
    assert "decision" in caught.value.message_dict


def test_conversions_from_code_are_idempotent_with_a_ref():
    assert flags.track_conversion({"id": "u1"}, "signup", ref="signup:u1")
    assert not flags.track_conversion({"id": "u1"}, "signup", ref="signup:u1")
    assert Conversion.objects.filter(metric="signup").count() == 1


def expose(experiment, variant: str, users: range, at=None):
    Exposure.objects.bulk_create(
        [
            Exposure(
                experiment=experiment,
                user_key=f"{variant}-{i}",
                variant=variant,
                exposed_at=at or timezone.now(),
            )
            for i in users
        ]
    )


def convert(variant: str, users: range, metric="purchase", at=None):
    Conversion.objects.bulk_create(
        [
            Conversion(user_key=f"{variant}-{i}", metric=metric, occurred_at=at or timezone.now())
            for i in users
        ]
    )


def test_results_give_growthbooks_figures_for_1000_of_10000_against_1100():
    experiment = running_experiment()
    start = timezone.now() - dt.timedelta(days=1)
    expose(experiment, "control", range(10000), at=start)
    expose(experiment, "treatment", range(10000), at=start)
    convert("control", range(1000))
    convert("treatment", range(1100))
    convert("treatment", range(2000, 2050), at=start - dt.timedelta(hours=1))  # before exposure: ignored
    analysis = results.recompute(experiment)
    treatment = experiment.results.get(variant="treatment")
    assert (treatment.users, treatment.conversions) == (10000, 1100)
    assert float(treatment.lift) == pytest.approx(0.10)
    assert float(treatment.ci_low) == pytest.approx(0.0109, abs=1e-4)
    assert float(treatment.ci_high) == pytest.approx(0.1891, abs=1e-4)
    assert float(treatment.p_value) == pytest.approx(0.0279, abs=1e-4)
    assert analysis.verdict == ExperimentAnalysis.Verdict.WINNING
    assert not analysis.srm_flagged


def test_it_gives_no_verdict_before_the_minimum_sample():
    experiment = running_experiment()
    expose(experiment, "control", range(50))
    expose(experiment, "treatment", range(50))
    convert("treatment", range(40))
    assert results.recompute(experiment).verdict == ExperimentAnalysis.Verdict.NOT_ENOUGH_DATA


@pytest.mark.parametrize(
    ("control_converted", "treatment_converted", "reason"),
    [
        (950, 1000, "treatment: every user converted (rate 100%)"),
        (0, 50, "control: no user converted (rate 0%)"),
        (1000, 950, "control: every user converted (rate 100%)"),
    ],
)
def test_an_arm_without_variance_gives_no_result_and_no_verdict(
    control_converted, treatment_converted, reason, settings
):
    settings.FLAGS_MIN_CONVERSIONS = 50  # enough data: only the missing variance stops a verdict
    experiment = running_experiment()
    start = timezone.now() - dt.timedelta(days=1)
    expose(experiment, "control", range(1000), at=start)
    expose(experiment, "treatment", range(1000), at=start)
    convert("control", range(control_converted))
    convert("treatment", range(treatment_converted))
    analysis = results.recompute(experiment)
    treatment = experiment.results.get(variant="treatment")
    assert (treatment.lift, treatment.ci_low, treatment.ci_high, treatment.p_value) == (None,) * 4
    assert reason in treatment.note
    assert analysis.verdict == ExperimentAnalysis.Verdict.NO_RESULT
    assert reason in analysis.verdict_reason


def test_the_admin_shows_why_a_result_is_missing(client, growth_user):
    experiment = running_experiment()
    expose(experiment, "control", range(200))
    expose(experiment, "treatment", range(200))
    convert("control", range(100))
    convert("treatment", range(200))
    results.recompute(experiment)
    client.force_login(growth_user)
    page = client.get(reverse("admin:flags_experiment_change", args=[experiment.pk])).content.decode()
    assert "treatment: every user converted (rate 100%): zero variance, no test possible" in page
    assert "No result: an arm has no variance" in page


def test_it_flags_a_sample_ratio_mismatch():
    experiment = running_experiment()
    expose(experiment, "control", range(5500))
    expose(experiment, "treatment", range(4500))
    convert("control", range(500))
    convert("treatment", range(500))
    analysis = results.recompute(experiment)
    assert analysis.srm_flagged and analysis.verdict == ExperimentAnalysis.Verdict.SRM


def test_a_worse_guardrail_metric_blocks_a_win():
    experiment = running_experiment(guardrail_metrics=["refund"])
    expose(experiment, "control", range(10000))
    expose(experiment, "treatment", range(10000))
    convert("control", range(1000))
    convert("treatment", range(1100))
    convert("control", range(100), metric="refund")
    convert("treatment", range(300), metric="refund")
    assert results.recompute(experiment).verdict == ExperimentAnalysis.Verdict.GUARDRAIL


def test_purchases_are_computed_from_orders_by_the_task():
    experiment = running_experiment()
    Experiment.objects.filter(pk=experiment.pk).update(started_at=timezone.now() - dt.timedelta(days=2))
    expose(experiment, "control", range(3), at=timezone.now() - dt.timedelta(days=1))
    made = timezone.now()
    for i, (test, cancelled) in enumerate([(False, None), (True, None), (False, made)]):
        Order.objects.create(
            shop="shop.myshopify.com",
            external_id=i,
            created_at=made,
            updated_at=made,
            currency="USD",
            total=Decimal("42.50"),
            customer_key=f"control-{i}",
            test=test,
            cancelled_at=cancelled,
        )
    outcome = recompute_results.delay().get()
    assert outcome["experiments"] == 1
    purchases = Conversion.objects.filter(source="orders")
    assert list(purchases.values_list("user_key", "value", "ref")) == [
        ("control-0", Decimal("42.5000"), "order:shop.myshopify.com:0")
    ]
    assert experiment.results.get(variant="control").conversions == 1
    recompute_results.delay().get()  # twice: the same rows
    assert purchases.count() == 1


def test_the_tasks_are_installed_in_beat_with_an_expiry():
    tasks = {t.task: t for t in PeriodicTask.objects.filter(task__startswith="flags.")}
    assert set(tasks) == {"flags.recompute_results", "flags.apply_scheduled_changes"}
    assert all(t.crontab is not None and t.expire_seconds for t in tasks.values())


def test_the_admin_shows_results_with_a_chart(client, growth_user):
    experiment = running_experiment()
    expose(experiment, "control", range(200))
    expose(experiment, "treatment", range(200))
    convert("treatment", range(30))
    results.recompute(experiment)
    client.force_login(growth_user)
    page = client.get(reverse("admin:flags_experiment_change", args=[experiment.pk])).content.decode()
    assert 'id="flags-results-data"' in page and "flags/results_chart.js" in page
    assert "vendor/chartjs/chart.umd.min.js" in page
    assert "<script>" not in page.split('id="flags-results-data"')[1].split("</script>")[1]  # no inline JS


def test_a_flag_used_by_code_points_at_its_experiment():
    flag = FlagFactory(key="other")
    experiment = ExperimentFactory(key="not-linked")
    flag.rules = [{"experiment": experiment.key}]
    with pytest.raises(ValidationError) as caught:
        flag.full_clean()
    assert caught.value.message_dict["rules"] == [
        "rule 1, experiment: experiment 'not-linked' is not linked to this flag"
    ]


def test_a_guardrail_where_more_is_better_blocks_a_win_when_it_drops():
    experiment = running_experiment(guardrail_metrics=["+retained"])
    expose(experiment, "control", range(10000))
    expose(experiment, "treatment", range(10000))
    convert("control", range(1000))
    convert("treatment", range(1100))
    convert("control", range(3000), metric="retained")
    convert("treatment", range(2500), metric="retained")
    analysis = results.recompute(experiment)
    assert analysis.verdict == ExperimentAnalysis.Verdict.GUARDRAIL
    assert "retained (treatment: -16.7%)" in analysis.verdict_reason
