"""The pipeline's steps on their own: a busy source, metrics noting stale sources."""

from datetime import date

import pytest

from etl import pipeline
from etl.models import DailyMetric
from health.jobs import track_job
from health.models import JobRun

pytestmark = pytest.mark.django_db


def test_a_pull_whose_source_is_busy_elsewhere_is_reported_busy_not_run(settings):
    settings.PIPELINE_PULL_WAIT_SECONDS = 0
    with track_job("etl.pull_shopify", trigger=JobRun.Trigger.COMMAND) as holder:
        outcome = pipeline.pull("shopify", trigger=JobRun.Trigger.BEAT)
    assert (outcome.status, outcome.ok) == ("busy", False)
    assert outcome.error.startswith(
        "another pull still running: skipped: etl.pull_shopify is already running "
        f"(run #{holder.run.pk} since "
    )


def test_an_unknown_source_is_refused():
    with pytest.raises(ValueError, match="unknown source 'stripe'; expected one of meta, tiktok, shopify"):
        pipeline.pull("stripe", trigger=JobRun.Trigger.COMMAND)


def test_metrics_run_after_a_failed_pull_and_note_the_source_as_stale():
    outcomes = [
        pipeline.SourceOutcome("meta", "succeeded", 10, 10),
        pipeline.SourceOutcome("tiktok", "succeeded", 5, 5),
        pipeline.SourceOutcome("shopify", "failed", error="AuthError: SHOPIFY_ACCESS_TOKEN was refused"),
    ]
    result = pipeline.finish(
        outcomes, since=date(2025, 3, 1), until=date(2025, 3, 2), trigger=JobRun.Trigger.BEAT
    )
    assert result.stale == {"shopify": "AuthError: SHOPIFY_ACCESS_TOKEN was refused"}
    assert result.metrics.rows_written == 8
    assert DailyMetric.objects.count() == 8
    run = JobRun.objects.get(job="etl.compute_metrics")
    assert (run.status, run.trigger) == ("succeeded", "beat")
    assert run.detail["stale_sources"] == {"shopify": "AuthError: SHOPIFY_ACCESS_TOKEN was refused"}
    assert run.detail["sources"] == {"meta": "succeeded", "tiktok": "succeeded", "shopify": "failed"}


def test_a_metrics_failure_after_the_pulls_is_reported_not_raised():
    from tests.metrics.factories import AdAccountFactory, CampaignFactory, InsightFactory

    account = AdAccountFactory(platform="meta", external_id="act_9", currency="EUR")
    InsightFactory(campaign=CampaignFactory(account=account), date=date(2025, 3, 1))
    result = pipeline.finish([], since=date(2025, 3, 1), until=date(2025, 3, 1), trigger=JobRun.Trigger.BEAT)
    assert result.metrics is None
    assert result.metrics_error.startswith("MissingFxRate: no FX rate for EUR on 2025-03-01")
    assert JobRun.objects.get(job="etl.compute_metrics").status == "failed"
