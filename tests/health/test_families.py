"""The checks apps register about their own data, in their families; and their promises."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from bizops.core.models import BacklogTicket
from etl import health_checks as etl_checks
from etl.models import DailyMetric
from health import families
from tests.factories import BacklogTicketFactory, JobRunFactory, UserFactory
from tests.flags.conftest import ExperimentFactory, FlagFactory

pytestmark = pytest.mark.django_db


def week(offset: int, **sums):
    """Seven channel-"all" metric rows ``offset`` days back (1 = yesterday), each with ``sums``."""
    today = timezone.localdate()
    for day in range(offset, offset + 7):
        DailyMetric.objects.create(
            date=today - timedelta(days=day),
            channel="all",
            currency="USD",
            **{k: Decimal(v) for k, v in sums.items()},
        )


def test_spend_rising_while_mer_falls_is_a_second_order_finding():
    week(8, spend="100", total_sales="500", gross_sales="500")  # MER 5.0
    week(1, spend="150", total_sales="600", gross_sales="600")  # MER 4.0
    (finding,) = etl_checks.second_order_effects()
    # spend 1050 / 700 - 1 = +50%; MER 4.0 / 5.0 - 1 = -20%
    assert finding.message == "ad spend rose 50.0% week over week while MER fell 20.0%"
    assert (finding.family, finding.owner, finding.kpi) == (
        "second_order",
        "group:Growth",
        "MER (revenue / spend)",
    )


def test_discounts_rising_with_the_refund_rate_is_a_second_order_finding():
    week(8, spend="100", total_sales="500", gross_sales="1000", discounts="100", returns="50")
    week(1, spend="100", total_sales="500", gross_sales="1000", discounts="150", returns="80")
    (finding,) = etl_checks.second_order_effects()
    # discount share 0.15 / 0.10 - 1 = +50%; refund rate 0.08 / 0.05 - 1 = +60%
    assert finding.message == (
        "the discount share of gross sales rose 50.0% while the refund rate rose 60.0%"
    )  # fmt: skip


def test_steady_weeks_find_no_second_order_effect():
    week(8, spend="100", total_sales="500", gross_sales="500")
    week(1, spend="100", total_sales="500", gross_sales="500")
    assert etl_checks.second_order_effects() == []


def run(job, started, minutes):
    return JobRunFactory(
        job=job, status="succeeded", started_at=started, finished_at=started + timedelta(minutes=minutes)
    )


def test_a_metrics_run_started_before_its_pulls_ended_breaks_the_chord_order():
    night = timezone.now() - timedelta(hours=10)
    run("etl.pull_meta", night, 30)
    run("etl.pull_shopify", night, 50)
    good = run("etl.compute_metrics", night + timedelta(minutes=51), 5)
    bad = run("etl.compute_metrics", night + timedelta(minutes=40), 5)  # Shopify still pulling
    (finding,) = etl_checks.metrics_before_pulls_ended()
    assert finding.family == "coordination" and finding.severity == "error"
    assert finding.evidence[0][0] == f"run {bad.pk}"
    # promise: 2 metrics runs, 1 in order
    assert etl_checks.metrics_in_order() == (1, 2)
    assert good.pk != bad.pk


def test_one_person_holding_most_open_urgent_work_is_an_alignment_finding():
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    BacklogTicketFactory(priority="P0", status="ready", owner=alice)
    BacklogTicketFactory(priority="P1", status="in_progress", owner=alice)
    BacklogTicketFactory(priority="P1", status="ready", owner=bob)
    BacklogTicketFactory(priority="P0", status="done", owner=bob)  # done: not counted
    (finding,) = families.urgent_work_concentration()
    # alice 2 of 3 open P0/P1 = 67% > 50%
    assert finding.message == "alice holds 2 of the 3 open P0/P1 tickets (67%)"
    assert finding.owner == "alice"


def test_ownerless_tickets_are_found_but_not_the_sweeps_own():
    BacklogTicketFactory(key="a", owner=None, status="ready")
    BacklogTicketFactory(key="finding-x-123", owner=None, status="ready")
    (finding,) = families.ownerless_tickets()
    assert finding.message == "1 open ticket(s) have no owner"
    assert families.tickets_with_owners() == (0, 1)


def test_the_status_where_work_waits_longest_is_a_constraint():
    with time_machine.travel(timezone.now() - timedelta(days=12)):
        waiting = BacklogTicketFactory(key="waiting", status="blocked")
    BacklogTicketFactory(key="fresh", status="ready")
    (finding,) = families.longest_wait()
    assert finding.family == "constraints"
    assert finding.message == "work waits longest in 'Blocked': 1 ticket(s), median 12.0 days in that status"
    assert waiting.status == "blocked"


def test_experiments_and_flags_keep_or_break_their_promises():
    on, off = FlagFactory(enabled=True, owner=UserFactory()), FlagFactory(enabled=False)
    ExperimentFactory(status="running", flag=on)
    ExperimentFactory(status="running", flag=off)
    from flags import health_checks as flag_checks

    assert flag_checks.experiments_on_their_flag() == (1, 2)
    assert flag_checks.flags_with_owners() == (1, 2)


def test_ticket_kpis_are_kept_when_the_metrics_compute_them():
    BacklogTicketFactory(kpi="MER (revenue / spend)")
    BacklogTicketFactory(kpi="blended CAC")
    BacklogTicketFactory(kpi="NPS")
    BacklogTicketFactory(key="finding-a-1", kpi="job on-time rate")  # the sweep's own: not counted
    assert etl_checks.kpis_computed() == (2, 3)


def test_pulls_that_mostly_wait_for_the_rate_limit_are_a_constraint():
    now = timezone.now()
    for hours, waits in ((50, 3), (26, 2), (2, 0)):
        JobRunFactory(job="etl.pull_meta", status="succeeded", started_at=now - timedelta(hours=hours),
                      detail={"throttle_waits": waits})  # fmt: skip
    (finding,) = etl_checks.quota_pressure()
    assert finding.message == "Meta: 2 of 3 pulls this week waited for the rate limit (5 waits)"
    assert finding.family == "constraints"


def test_quota_headroom_under_20_percent_is_a_constraint_even_without_waits():
    now = timezone.now()
    for hours, peak in ((30, 61.0), (6, 92.5)):
        JobRunFactory(job="etl.pull_meta", status="succeeded", started_at=now - timedelta(hours=hours),
                      detail={"throttle_waits": 0, "peak_quota_pct": peak})  # fmt: skip
    JobRunFactory(job="etl.pull_tiktok", status="succeeded", started_at=now - timedelta(hours=6),
                  detail={"throttle_waits": 0, "peak_quota_pct": 79.0})  # fmt: skip  # headroom 21 %: fine
    (finding,) = etl_checks.quota_pressure()
    # headroom = 100 - the week's highest peak = 100 - 92.5 = 7.5 % < 20 %
    assert finding.message == (
        "Meta: peak quota use 92.5 % (headroom 7.5 %); "
        "0 of 2 pulls this week waited for the rate limit (0 waits)"
    )


def test_a_finding_ticket_left_open_30_days_closes_no_loop():
    with time_machine.travel(timezone.now() - timedelta(days=31)):
        BacklogTicket.objects.create(key="finding-old-1", title="Fix: old")
    (finding,) = families.findings_left_open()
    assert finding.family == "feedback" and finding.reach == 1
