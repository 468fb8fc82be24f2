"""An experiment's results page shows figures as people read them."""

from decimal import Decimal

import pytest
from django.urls import reverse

from flags.models import Experiment, ExperimentResult
from tests.flags.conftest import ExperimentFactory

pytestmark = pytest.mark.django_db


def test_the_results_show_rates_and_lifts_as_percentages_and_p_to_three_figures(admin_client):
    experiment = ExperimentFactory(status=Experiment.Status.STOPPED)
    ExperimentResult.objects.create(
        experiment=experiment,
        metric="purchase",
        variant="control",
        users=1027,
        conversions=199,
        rate=Decimal("0.193768257059"),
    )
    ExperimentResult.objects.create(
        experiment=experiment,
        metric="purchase",
        variant="treatment",
        position=1,
        users=1007,
        conversions=200,
        rate=Decimal("0.198609731877"),
        lift=Decimal("0.024985902701"),
        ci_low=Decimal("-0.155460608062"),
        ci_high=Decimal("0.205432413464"),
        p_value=Decimal("0.785993820374"),
    )

    page = admin_client.get(reverse("admin:flags_experiment_change", args=[experiment.pk])).content.decode()

    for shown in ["1,027", "19.4 %", "19.9 %", "+2.5 %", "-15.5 % to +20.5 %", "0.786"]:
        assert f"<p>{shown}</p>" in page
    assert "<p>0.198609731877</p>" not in page and "<p>0.785993820374</p>" not in page
