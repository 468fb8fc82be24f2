"""manage.py compute_metrics and the etl.compute_metrics task."""

import io
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core.management import CommandError, call_command

from etl.models import DailyMetric
from etl.tasks import compute_metrics
from health.models import JobRun
from tests.metrics.factories import AdAccountFactory, CampaignFactory, InsightFactory, OrderFactory, at

pytestmark = pytest.mark.django_db
NOW = "2025-03-20 09:00:00-04:00"


def run(*args) -> str:
    out = io.StringIO()
    call_command("compute_metrics", *args, stdout=out)
    return out.getvalue()


def test_it_recomputes_the_given_range_and_prints_one_summary_line():
    OrderFactory(created_at=at(date(2025, 3, 10)), lines=[("20.00", 1, None)])
    out = run("--since", "2025-03-09", "--until", "2025-03-10")
    assert DailyMetric.objects.count() == 8
    assert DailyMetric.objects.get(date=date(2025, 3, 10), channel="all").orders == 1
    assert out.strip().splitlines()[-1] == (
        "compute_metrics: 2025-03-09..2025-03-10 (2 days): wrote 8 rows from 1 source rows"
    )
    job = JobRun.objects.get(job="etl.compute_metrics")
    assert (job.status, job.rows_read, job.rows_written) == ("succeeded", 1, 8)
    assert job.detail["since"] == "2025-03-09"


@time_machine.travel(NOW, tick=False)
def test_cron_recomputes_the_trailing_window_ending_yesterday(settings):
    settings.METRICS_TRAILING_DAYS = 60
    run("--cron")
    dates = DailyMetric.objects.order_by("date").values_list("date", flat=True)
    assert (dates.first(), dates.last()) == (date(2025, 1, 19), date(2025, 3, 19))
    assert DailyMetric.objects.count() == 60 * 4


@time_machine.travel(NOW, tick=False)
def test_until_defaults_to_yesterday():
    run("--since", "2025-03-18")
    assert sorted(set(DailyMetric.objects.values_list("date", flat=True))) == [
        date(2025, 3, 18),
        date(2025, 3, 19),
    ]


def test_it_asks_for_a_range_or_cron():
    with pytest.raises(CommandError, match=r"give --since YYYY-MM-DD \(and optionally --until\), or --cron"):
        run()


def test_it_refuses_cron_with_a_range():
    with pytest.raises(CommandError, match="--cron recomputes the trailing window"):
        run("--cron", "--since", "2025-01-01")


def test_it_names_a_malformed_date():
    with pytest.raises(CommandError, match=r"--since must be an ISO date like 2025-01-31, got '1/3/2025'"):
        run("--since", "1/3/2025")


def test_a_missing_rate_fails_the_run_naming_currency_and_day():
    account = AdAccountFactory(platform="tiktok", external_id="9", currency="EUR")
    InsightFactory(campaign=CampaignFactory(account=account), date=date(2025, 3, 10))
    with pytest.raises(
        CommandError, match=r"etl.compute_metrics failed: MissingFxRate: no FX rate for EUR on 2025-03-10"
    ):
        run("--since", "2025-03-10", "--until", "2025-03-10")
    assert not DailyMetric.objects.exists()
    assert JobRun.objects.get(job="etl.compute_metrics").status == "failed"


def test_dry_run_writes_nothing():
    out = run("--since", "2025-03-10", "--until", "2025-03-10", "--dry-run")
    assert "would write 4 rows" in out
    assert not DailyMetric.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_the_task_recomputes_the_range_it_is_given_and_records_its_run():
    InsightFactory(date=date(2025, 3, 1), spend=Decimal(12))
    result = compute_metrics.delay(since="2025-03-01", until="2025-03-02").get()
    assert (result["rows_written"], result["since"], result["until"]) == (8, "2025-03-01", "2025-03-02")
    assert DailyMetric.objects.get(date=date(2025, 3, 1), channel="meta").spend == Decimal(12)
    assert JobRun.objects.get(job="etl.compute_metrics").status == "succeeded"
