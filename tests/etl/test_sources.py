"""The source registry (etl/sources.py): one entry is all a source needs to be pulled everywhere."""

from datetime import date
from io import StringIO

import pytest
from celery import current_app
from django.core.management import call_command

from etl import pipeline, sources
from health import registry
from health.models import JobRun

pytestmark = pytest.mark.django_db


def pull_made_up_rows(result, *, since, until, full_refresh, say, sleep) -> None:
    """The puller of the made-up source below: reads three rows, writes none."""
    result.accounts.append("acct-1")
    result.pages, result.rows_read = 1, 3
    say("stripe: page 1")


STRIPE = sources.Source(
    "stripe", "Stripe", "Stripe payouts", f"{__name__}.pull_made_up_rows", "etl.conf.http_conf"
)


@pytest.fixture
def with_stripe(monkeypatch):
    monkeypatch.setattr(sources, "SOURCES", (*sources.SOURCES, STRIPE))
    monkeypatch.setattr(sources, "NAMES", (*sources.NAMES, "stripe"))


def test_etl_pull_pulls_a_source_added_to_the_registry_under_its_job(with_stripe):
    out = StringIO()
    call_command("etl_pull", "stripe", stdout=out)
    assert (
        out.getvalue()
        .strip()
        .splitlines()[-1]
        .startswith("etl_pull: stripe: 1 account(s), 1 page(s), 3 rows read")
    )
    run = JobRun.objects.get(job="etl.pull_stripe")
    assert (run.status, run.rows_read) == ("succeeded", 3)


def test_the_pipeline_pulls_and_watches_what_the_registry_lists(monkeypatch):
    monkeypatch.setattr(sources, "SOURCES", (STRIPE,))
    monkeypatch.setattr(sources, "NAMES", ("stripe",))
    result = pipeline.run(since=date(2025, 3, 1), until=date(2025, 3, 1))
    assert [(o.source, o.status, o.rows_read) for o in result.sources] == [("stripe", "succeeded", 3)]
    assert JobRun.objects.get(job="etl.pull_stripe").status == "succeeded"
    assert [(f.key, f.label) for f in pipeline.freshness()] == [("stripe", "Stripe"), ("metrics", "Metrics")]


def test_every_source_has_a_task_and_a_health_registration_under_its_job():
    registry.autodiscover()
    current_app.loader.import_default_modules()  # the apps' tasks.py, as a worker does
    watched = {spec.name: spec for spec in registry.jobs()}
    for source in sources.SOURCES:
        assert current_app.tasks[source.job].name == source.job
        assert watched[source.job].every == source.every
        assert watched[source.job].description == source.description


def test_etl_pull_offers_every_source_and_all():
    from etl.management.commands.etl_pull import Command

    parser = Command().create_parser("manage.py", "etl_pull")
    choices = next(a.choices for a in parser._actions if a.dest == "source")
    assert choices == [*sources.NAMES, "all"] == ["meta", "tiktok", "shopify", "all"]
