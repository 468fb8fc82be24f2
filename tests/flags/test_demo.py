"""The demo's flags and experiments: seeded on the sandbox's orders, measured, kept on a second seed."""

import io
import re

import pytest
from django.core.management import call_command

from etl.models import Order
from flags import engine, snapshot
from flags.models import ClientKey, Experiment, ExperimentAnalysis, ExperimentResult, Exposure, Flag

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def demo_settings(settings):
    # The sandbox pipeline and seed_demo are demo tools: they run with DEBUG on.
    settings.DEBUG = True


@pytest.fixture
def sandbox_orders():
    call_command("run_pipeline", "--sandbox", "--days", "14", stdout=io.StringIO())
    customers = (
        Order.objects.filter(test=False, cancelled_at=None, deleted_at=None)
        .exclude(customer_key="")
        .values("customer_key")
        .distinct()
        .count()
    )
    assert customers > 150
    return customers


def seed(tmp_path) -> str:
    out = io.StringIO()
    call_command("seed_demo", "--password-file", str(tmp_path / "password"), stdout=out)
    return out.getvalue()


def test_seeding_creates_each_kind_of_flag_and_a_measured_experiment(tmp_path, sandbox_orders):
    output = seed(tmp_path)

    flags = {flag.key: flag for flag in Flag.objects.all()}
    assert flags["new-checkout"].rollout == 25
    assert flags["free-shipping-banner"].rules[0]["conditions"][0]["value"] == ["CA", "US"]
    assert flags["product-recommendations"].enabled is False
    assert flags["thank-you-offer"].rules == [
        {"description": "Every customer", "experiment": "thank-you-offer"}
    ]

    running = Experiment.objects.get(status=Experiment.Status.RUNNING)
    assert running.flag == flags["thank-you-offer"]
    assert running.exposures.count() == sandbox_orders
    # The split is the flag's own: evaluating the flag gives each user the stored variant.
    compiled = snapshot.build().flags["thank-you-offer"]

    for exposure in running.exposures.all()[:200]:
        _, assigned = engine.evaluate(compiled, {"id": exposure.user_key})
        assert assigned.variant == exposure.variant
    control, treatment = ExperimentResult.objects.filter(experiment=running, metric="purchase")
    assert control.users + treatment.users == sandbox_orders
    assert min(control.users, treatment.users) > sandbox_orders * 0.4
    assert control.conversions > 0 and treatment.conversions > 0
    assert float(treatment.rate) == pytest.approx(treatment.conversions / treatment.users)
    assert treatment.lift is not None and 0 <= treatment.p_value <= 1
    assert running.analysis.users == sandbox_orders
    assert f"flags: {sandbox_orders} customer(s) exposed to thank-you-offer" in output

    decided = Experiment.objects.get(status=Experiment.Status.DECIDED)
    assert decided.decision and decided.reasoning
    assert Experiment.objects.filter(status__in=["idea", "planned"]).count() == 2
    key = ClientKey.objects.get()
    assert f"flags: SDK payload at http://127.0.0.1:8000/flags/sdk/{key.key}.json" in output


def test_seeding_twice_changes_nothing_and_keeps_what_a_person_edited(tmp_path, sandbox_orders):
    seed(tmp_path)
    rollout = Flag.objects.get(key="new-checkout")
    rollout.rules = [{"percentage": 60, "value": True}]
    rollout.save()
    Flag.objects.filter(key="product-recommendations").delete()
    analysis = ExperimentAnalysis.objects.get()
    results = list(ExperimentResult.objects.values_list("pk", "users", "conversions"))
    exposures = Exposure.objects.count()

    output = seed(tmp_path)

    assert Flag.objects.get(key="new-checkout").rollout == 60
    assert Flag.objects.get(key="product-recommendations").enabled is False, "a missing flag is added"
    assert "flags: 1 flag(s) and 0 experiment(s) created, 7 already there (kept as they are)" in output
    assert Exposure.objects.count() == exposures == sandbox_orders
    assert ExperimentAnalysis.objects.get().computed_at == analysis.computed_at
    assert list(ExperimentResult.objects.values_list("pk", "users", "conversions")) == results
    assert Experiment.objects.count() == 4 and ClientKey.objects.count() == 1


def test_the_printed_sdk_url_answers_with_the_demo_flags(tmp_path, client):
    output = seed(tmp_path)

    path = re.search(r"SDK payload at http://127\.0\.0\.1:8000(/flags/sdk/\S+\.json)", output).group(1)
    response = client.get(path)
    assert response.status_code == 200
    features = response.json()["features"]
    assert {"new-checkout", "free-shipping-banner", "thank-you-offer"} <= set(features)
    assert "product-recommendations" not in features, "a kill-switched flag is left out"
