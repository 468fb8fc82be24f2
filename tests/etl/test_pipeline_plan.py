"""The nightly chord's header: a task per source and account, a long range cut in chunks."""

import dataclasses
from datetime import date, timedelta

import pytest
from django.utils import timezone

from etl import pipeline, sources
from etl.models import AdInsightDaily, SyncState
from health.models import JobRun

pytestmark = pytest.mark.django_db


def test_each_account_of_a_source_with_several_is_a_task_of_its_own(etl_settings):
    assert [(t.source, t.account, t.chunk) for t in pipeline.plan()] == [
        ("meta", "act_1000000001", False),
        ("meta", "act_1000000002", False),
        ("tiktok", None, False),  # one advertiser: one task under the source's lock
        ("shopify", None, False),
    ]


def test_a_long_backfill_of_an_ad_source_is_cut_in_chunks_per_account(etl_settings):
    since, until = date(2025, 1, 1), date(2025, 6, 30)  # 181 days: two chunks of 91 days
    tasks = pipeline.plan(since, until)
    assert [(t.source, t.account, t.since, t.until) for t in tasks if t.source == "meta"] == [
        ("meta", account, a, b)
        for account in ("act_1000000001", "act_1000000002")
        for a, b in [(since, date(2025, 4, 1)), (date(2025, 4, 2), until)]
    ]
    assert [(t.account, t.chunk) for t in tasks if t.source == "tiktok"] == [
        ("7000000000000000001", True)
    ] * 2
    assert [(t.account, t.since, t.until) for t in tasks if t.source == "shopify"] == [(None, since, until)]


def test_a_source_whose_settings_are_missing_is_one_task_that_fails_naming_the_setting(etl_settings):
    etl_settings.META_ACCOUNT_ID = ""
    assert pipeline.plan()[0] == pipeline.PullTask("meta", None)
    outcome = pipeline.pull("meta", trigger=JobRun.Trigger.BEAT)
    assert outcome.status == "failed" and "META_ACCOUNT_ID" in outcome.error


def test_chunks_leave_the_cursor_and_the_metrics_step_moves_it_once_all_are_in(etl_settings, monkeypatch):
    meta = dataclasses.replace(sources.get("meta"), chunk_days=5)
    monkeypatch.setattr(sources, "SOURCES", (meta,))
    today = timezone.localdate()
    since, until = today - timedelta(days=12), today - timedelta(days=1)
    tasks = pipeline.plan(since, until)
    assert len(tasks) == 2 * 3  # two accounts, 12 days in chunks of 5
    outcomes = [
        pipeline.pull(
            t.source, since=t.since, until=t.until, account=t.account, chunk=t.chunk, trigger="beat"
        )
        for t in tasks
    ]
    assert [o.status for o in outcomes] == ["succeeded"] * 6
    assert not SyncState.objects.filter(source="meta").exclude(cursor="").exists()
    assert AdInsightDaily.objects.filter(date__gte=since, date__lte=until).count() > 0

    failed = dataclasses.replace(outcomes[-1], status="failed", error="TransientError: timed out")
    assert pipeline.move_chunked_cursors([*outcomes[:-1], failed]) == [
        ("meta", "act_1000000001", until.isoformat())
    ]
    # Once the failed chunk is in, the other account's cursor moves; the first one's is there already.
    assert pipeline.move_chunked_cursors(outcomes) == [("meta", "act_1000000002", until.isoformat())]
    assert dict(SyncState.objects.filter(source="meta").values_list("account", "cursor")) == {
        "act_1000000001": until.isoformat(),
        "act_1000000002": until.isoformat(),
    }
