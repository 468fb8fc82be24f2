"""The audit as a whole: the report, the realignment tickets, the command and the weekly task."""

import re
from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from bizops.audit import tasks
from bizops.audit.audit import run_audit, write_audit
from bizops.audit.base import Period
from bizops.core.models import BacklogTicket, Report
from health.models import JobRun
from tests.audit.conftest import metric
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PERIOD = Period(date(2025, 3, 1), date(2025, 3, 10))


def cac_days(previous_spend: int = 80):
    # CAC now: 1,000 / 25 = 40; before: 10 x previous_spend / 25.
    for n in range(10):
        metric(PERIOD.start + timedelta(days=n), spend=100, new_customers=2 if n < 5 else 3, orders=3)
        metric(
            PERIOD.previous.start + timedelta(days=n), spend=previous_spend, new_customers=2 if n < 5 else 3
        )


def test_an_empty_database_says_not_enough_data_everywhere_and_invents_no_number():
    audit = run_audit(PERIOD)
    assert [r.score for r in audit.results] == [None] * 9
    assert all(r.note.startswith("not enough data") for r in audit.results)
    assert audit.temperature.value is None and audit.momentum.value is None
    assert all(kpi.value is None for kpi, _ in audit.kpis)
    report = write_audit(audit)
    assert report.slug == "unaligned_audit_2025-03-10" and report.kind == Report.Kind.EXEC
    assert "**Not enough data:** no analyzer found enough data to score" in report.body
    # Not one figure: no money, no percentage, no score out of 100 (the period's dates aside).
    body = report.body.replace("2025", "")
    assert "USD" not in body and " %" not in body and "/100" not in body
    assert body.count("not enough data") >= 11  # nine analyzers and two scores
    assert report.figures["realignments"] == [] and report.figures["kpi_gaps"] == []
    assert BacklogTicket.objects.count() == 0


def test_each_realignment_becomes_a_ready_ticket_with_owner_kpi_target_and_signal():
    growth = UserFactory(username="growth")
    cac_days()
    report = write_audit(run_audit(PERIOD))
    ticket = BacklogTicket.objects.get(key="audit-blended-cac")
    assert (ticket.status, ticket.owner, ticket.kpi) == ("ready", growth, "blended_cac")
    # Gap (40 - 32) / 32 = 25 %: P1 (20 % to 50 %).
    assert ticket.priority == "P1"
    assert ticket.target == "at most 32.00 USD (previous period)"
    # Halfway from 40 to 32: 36.
    assert ticket.signal_30d == "Blended CAC at most 36.00 USD (halfway from 40.00 USD to the target)."
    assert "[Spend by channel" in ticket.body
    assert report.figures["realignments"][0]["ticket"] == "audit-blended-cac"
    assert (
        "| 1 | Blended CAC | 40.00 USD | at most 32.00 USD (previous period) | 25.0 % | growth |"
        in report.body
    )


def test_running_the_audit_twice_creates_no_duplicate_ticket_or_report():
    cac_days()
    first = run_audit(PERIOD)
    write_audit(first)
    second = run_audit(PERIOD)
    write_audit(second)
    # Blended CAC (25 % short) and the data quality score (no source ever pulled: 5 of 6 checks).
    assert [r.ticket_key for r in first.realignments] == ["audit-blended-cac", "audit-data-quality"]
    assert first.tickets["created"] == 2
    assert second.tickets == {"created": 0, "updated": 0, "reopened": 0, "closed": 0, "unchanged": 2}
    assert BacklogTicket.objects.filter(key__startswith="audit-").count() == 2
    assert Report.objects.filter(slug="unaligned_audit_2025-03-10").count() == 1


def test_a_kpi_reaching_its_target_closes_its_ticket_with_a_note(settings):
    cac_days()
    write_audit(run_audit(PERIOD))
    assert BacklogTicket.objects.get(key="audit-blended-cac").status == "ready"
    settings.AUDIT_TARGETS = {"blended_cac": "45"}  # CAC 40 is now within target
    audit = run_audit(PERIOD)
    write_audit(audit)
    ticket = BacklogTicket.objects.get(key="audit-blended-cac")
    assert audit.tickets["closed"] == 1
    assert ticket.status == "done"
    assert "closed: Blended CAC reached its target: 40.00 USD (at most 45.00 USD)" in ticket.body


def test_the_report_prints_each_score_with_its_formula_and_inputs():
    cac_days()
    body = write_audit(run_audit(PERIOD)).body
    assert "**Alignment Temperature: not enough data** (not enough data: no open P0/P1 ticket)" in body
    # No backlog: the KPIs' direction alone. CAC went from 32 to 40, +25 %, the wrong way: -1, held there;
    # it is the only KPI with a previous value, so D = -1 and momentum = 50 + 50 x -1 = 0.
    assert "**Momentum Index: 0/100**" in body
    assert "Formula: `50 + 50 x D`" in body
    assert "- direction blended_cac: -1.00 (gap 25.0 %)" in body
    assert "### Acquisition: 75/100" in body
    assert "- gap blended_cac: 25.0 %" in body


def test_the_command_writes_the_report_and_records_its_run():
    cac_days()
    out = StringIO()
    call_command("bi_audit", "--period", "2025-03-01..2025-03-10", stdout=out)
    assert "report unaligned_audit_2025-03-10" in out.getvalue()
    assert re.search(r"Acquisition\s+75/100", out.getvalue())
    run = JobRun.objects.get(job="audit.weekly_audit")
    assert run.status == JobRun.Status.SUCCEEDED and run.detail["report"] == "unaligned_audit_2025-03-10"


@pytest.mark.parametrize(
    ("period", "message"),
    [
        ("soon", "period must be a number of days like 30 or a range"),
        ("0", "period must be a number of days"),
        ("2025-03-10..2025-03-01", "the period ends (2025-03-01) before it starts (2025-03-10)"),
        ("2025-13-01..2025-03-01", "the period's start must be an ISO date"),
        ("400", "the period is 400 days; at most 366"),
    ],
)
def test_a_bad_period_is_one_clear_line_and_nothing_runs(period, message):
    with pytest.raises(CommandError, match=re.escape(message)):
        call_command("bi_audit", "--period", period, stdout=StringIO())
    assert not JobRun.objects.exists() and not Report.objects.exists()


def test_the_weekly_task_writes_the_audit_and_the_memo_under_its_job():
    result = tasks.weekly_audit.delay().get()
    assert result["report"].startswith("unaligned_audit_") and result["memo"].startswith(
        "finance_automation_growth_memo_"
    )
    assert JobRun.objects.get(job="audit.weekly_audit").status == JobRun.Status.SUCCEEDED


def test_the_beat_entry_runs_mondays_at_eight_after_the_health_sweep():
    from django_celery_beat.models import PeriodicTask

    audit = PeriodicTask.objects.get(task="audit.weekly_audit")
    sweep = PeriodicTask.objects.get(task="health.weekly_sweep")
    assert (audit.crontab.day_of_week, audit.crontab.hour, audit.crontab.minute) == ("1", "8", "0")
    assert str(audit.crontab.timezone) == str(sweep.crontab.timezone) == "America/Toronto"
    assert (int(audit.crontab.hour), int(audit.crontab.minute)) > (
        int(sweep.crontab.hour),
        int(sweep.crontab.minute),
    )
    assert audit.expire_seconds
