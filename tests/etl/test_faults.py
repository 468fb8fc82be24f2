"""The fault matrix: every fault, alone and mid-paging, ends in a complete run or a
failed run with an actionable message; either way no duplicate, no lost row, and
a cursor that has not moved on failure."""

from datetime import timedelta

import pytest
from django.utils import timezone

from etl.errors import AuthError, EtlError
from etl.models import SyncState
from etl.pull import pull_source
from tests.etl.conftest import cursors, snapshot, wipe

pytestmark = pytest.mark.django_db

ACCOUNT = {"meta": "act_1000000001", "tiktok": "7000000000000000001", "shopify": "bizops-demo.myshopify.com"}
TOKEN_SETTING = {
    "meta": "META_ACCESS_TOKEN",
    "tiktok": "TIKTOK_ACCESS_TOKEN",
    "shopify": "SHOPIFY_ACCESS_TOKEN",
}
TRANSIENT = {
    "meta": ["429", "500", "timeout", "truncated", "meta_17", "meta_80000", "meta_usage"],
    "tiktok": ["429", "500", "timeout", "truncated", "tiktok_40100"],
    "shopify": ["429", "500", "timeout", "truncated", "shopify_throttled"],
}
# The request a fault lands on: the first one, or one in the middle of paging
# (after the account lookup and the first page).
PLACES = {"first": 0, "mid-paging": 2}
_reference: dict = {}


def pull(source: str, waits, **options):
    if source == "shopify":
        options.setdefault("since", timezone.localdate() - timedelta(days=12))
    return pull_source(source, sleep=waits, **options)


def reference(source: str, waits) -> tuple[dict, dict]:
    """The rows and cursors of one clean run into empty tables."""
    if source not in _reference:
        pull(source, waits)
        _reference[source] = (snapshot(), cursors())
        wipe()
    return _reference[source]


def subset(partial: dict, full: dict) -> bool:
    return all(set(partial[k]) <= set(full[k]) for k in full)


CASES = [
    (source, kind, place)
    for source, kinds in TRANSIENT.items()
    for kind in kinds
    for place in PLACES
    if not (kind == "meta_usage" and place == "first")
]


@pytest.mark.parametrize(("source", "kind", "place"), CASES)
def test_a_passing_fault_ends_in_a_complete_run_with_the_rows_of_a_clean_run(
    etl_settings, sandbox, waits, source, kind, place
):
    etl_settings.SHOPIFY_BULK_THRESHOLD_DAYS = 100
    rows, marks = reference(source, waits)
    fault = sandbox.inject(kind, provider=source, after=PLACES[place], delay=1.0, retry_after=0.05)
    result = pull(source, waits)
    assert fault.fired == 1
    assert snapshot() == rows
    assert cursors() == marks
    assert result.throttle_waits >= 1 and waits


@pytest.mark.parametrize("kind", ["429", "500", "truncated", "timeout"])
def test_a_fault_while_downloading_a_bulk_export_is_retried(etl_settings, sandbox, waits, kind):
    etl_settings.SHOPIFY_BULK_THRESHOLD_DAYS = 100
    rows, marks = reference("shopify", waits)
    etl_settings.SHOPIFY_BULK_THRESHOLD_DAYS = 5
    fault = sandbox.inject(kind, provider="download", delay=1.0, retry_after=0.05)
    result = pull("shopify", waits)
    assert result.mode == "bulk" and fault.fired == 1
    assert snapshot() == rows and cursors() == marks


FAILURES = {
    # An expired token stops at once, naming the setting to fix...
    "expired_token": (AuthError, "{setting}"),
    # ...a fault that does not pass ends after the retry cap.
    "500": (EtlError, r"gave up after 4 attempts: .*HTTP 500"),
}


@pytest.mark.parametrize("source", ["meta", "tiktok", "shopify"])
@pytest.mark.parametrize("place", list(PLACES))
@pytest.mark.parametrize("kind", list(FAILURES))
def test_a_fault_that_does_not_pass_fails_with_an_actionable_message_and_leaves_the_cursor(
    etl_settings, sandbox, waits, source, place, kind
):
    etl_settings.SHOPIFY_BULK_THRESHOLD_DAYS = 100
    rows, _ = reference(source, waits)
    error, message = FAILURES[kind]
    sandbox.inject(kind, provider=source, after=PLACES[place], times=0)
    with pytest.raises(error, match=message.format(setting=TOKEN_SETTING[source])):
        pull(source, waits)
    assert ACCOUNT[source] not in cursors()
    assert subset(snapshot(), rows)
    sandbox.clear_faults()
    pull(source, waits)
    assert snapshot() == rows  # nothing lost, nothing doubled


@pytest.mark.parametrize("source", ["meta", "shopify"])
def test_a_failed_run_leaves_an_existing_cursor_where_it_was(etl_settings, sandbox, waits, source):
    etl_settings.SHOPIFY_BULK_THRESHOLD_DAYS = 100
    pull(source, waits)
    old = "2020-01-01" if source == "meta" else "2020-01-01T00:00:00+00:00"
    SyncState.objects.filter(account=ACCOUNT[source]).update(cursor=old)
    sandbox.inject("500", provider=source, after=3, times=0)
    with pytest.raises(EtlError):
        pull_source(source, sleep=waits)
    assert cursors()[ACCOUNT[source]] == old


@pytest.mark.parametrize("source", ["meta", "tiktok", "shopify"])
def test_a_run_killed_mid_paging_and_run_again_ends_with_the_rows_of_one_clean_run(
    etl_settings, sandbox, waits, source
):
    etl_settings.SHOPIFY_BULK_THRESHOLD_DAYS = 100
    rows, marks = reference(source, waits)
    pages = []

    def kill_on_third_page(message: str) -> None:
        if "page" in message:
            pages.append(message)
            if len(pages) == 3:
                raise KeyboardInterrupt  # the worker is killed mid-run

    with pytest.raises(KeyboardInterrupt):
        pull(source, waits, progress=kill_on_third_page)
    assert ACCOUNT[source] not in cursors()
    pull(source, waits)
    assert snapshot() == rows and cursors() == marks


def test_each_pull_keeps_the_peak_quota_use_its_provider_reported(etl_settings, sandbox, waits):
    """Meta's usage headers (90 % in the sandbox's answer), Shopify's cost bucket; TikTok reports none."""
    sandbox.inject("meta_usage", provider="meta", after=PLACES["mid-paging"], delay=1.0, retry_after=0.05)
    assert pull("meta", waits).peak_quota_pct == 90.0
    shopify = pull("shopify", waits)
    assert shopify.peak_quota_pct is not None and 0 <= shopify.peak_quota_pct < 100
    assert pull("tiktok", waits).peak_quota_pct is None
