"""An experiment's results page shows figures as people read them."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from flags.models import Experiment, ExperimentAnalysis, ExperimentResult
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


def test_the_analysis_line_tells_when_it_was_computed_in_the_reporting_time_zone(admin_client):
    experiment = ExperimentFactory(status=Experiment.Status.STOPPED)
    ExperimentAnalysis.objects.create(
        experiment=experiment, computed_at=datetime(2026, 11, 30, 6, 47, tzinfo=UTC), users=10
    )

    page = admin_client.get(reverse("admin:flags_experiment_change", args=[experiment.pk])).content.decode()

    assert "computed 2026-11-30 01:47 EST." in page
    assert "computed 2026-11-30 06:47" not in page


def test_the_results_chart_spans_the_field_at_a_readable_height():
    html = render_to_string("flags/results_chart.html", {"data": {"variants": []}})
    assert "width: 100%" in html and "height: 320px" in html
