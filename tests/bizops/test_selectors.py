"""The read APIs of the ground (tickets, reports), finance (latest forecasts) and flags."""

from datetime import timedelta

import pytest
from django.utils import timezone

from bizops.core.models import BacklogTicket, Report
from bizops.core.selectors import latest_report, reports, tickets
from tests.factories import BacklogTicketFactory, ReportFactory

pytestmark = pytest.mark.django_db


def test_tickets_by_status():
    ready = BacklogTicketFactory(status=BacklogTicket.Status.READY)
    BacklogTicketFactory(status=BacklogTicket.Status.DRAFT)
    assert list(tickets(BacklogTicket.Status.READY)) == [ready]
    assert tickets().count() == 2


def test_reports_newest_first_and_by_kind():
    now = timezone.now()
    old = ReportFactory(kind=Report.Kind.HEALTH, created_at=now - timedelta(days=7))
    new = ReportFactory(kind=Report.Kind.HEALTH, created_at=now)
    memo = ReportFactory(kind=Report.Kind.EXEC, created_at=now + timedelta(hours=1))
    assert list(reports(Report.Kind.HEALTH)) == [new, old]
    assert list(reports()) == [memo, new, old]
    assert latest_report(Report.Kind.HEALTH) == new
    assert latest_report(Report.Kind.FINANCE) is None


def test_reports_by_slug_prefix():
    now = timezone.now()
    audit = ReportFactory(kind=Report.Kind.EXEC, slug="unaligned_audit_2026-03-01", created_at=now)
    ReportFactory(kind=Report.Kind.EXEC, slug="finance_automation_growth_memo_2026-03-01", created_at=now)
    assert list(reports(Report.Kind.EXEC, slug_prefix="unaligned_audit_")) == [audit]
