"""Top fixes become backlog tickets keyed by their finding: once, updated, closed, reopened."""

from datetime import timedelta

import pytest
from django.utils import timezone

from bizops.core.models import BacklogTicket
from health import registry
from health.registry import Family, Finding, Severity
from health.report import ticket_key, top_fixes, write_snapshot
from health.sweep import run_sweep
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def found(only_these_jobs):
    """A registered check whose findings the test sets: ``found[:] = [...]``."""
    only_these_jobs()
    current: list[Finding] = []
    registry.register_check("test:check", Family.FEEDBACK)(lambda: list(current))
    return current


def finding(key: str, severity=Severity.WARNING, reach=1, owner="", message="it is broken") -> Finding:
    return Finding(
        "test:check", severity, message, "fix it", family=Family.FEEDBACK, key=key, owner=owner, reach=reach,
        kpi="broken things", signal_30d="none broken",
    )  # fmt: skip


def sweep():
    return write_snapshot(run_sweep())


def test_sweeping_twice_creates_no_duplicate_tickets(found):
    found[:] = [finding("a"), finding("b", Severity.ERROR)]
    sweep()
    sweep()
    assert BacklogTicket.objects.filter(key__startswith="finding-").count() == 2
    ticket = BacklogTicket.objects.get(key=ticket_key(found[1]))
    assert (ticket.priority, ticket.status, ticket.kpi, ticket.signal_30d) == (
        "P1",
        "ready",
        "broken things",
        "none broken",
    )


def test_a_fixed_finding_closes_its_ticket_with_a_note_on_the_next_sweep(found):
    found[:] = [finding("a"), finding("b")]
    sweep()
    found[:] = [finding("b")]
    snapshot, report = sweep()
    closed = BacklogTicket.objects.get(key=ticket_key(finding("a")))
    assert closed.status == "done" and closed.done_at is not None
    assert "closed: the health sweep no longer finds this" in closed.body
    assert BacklogTicket.objects.get(key=ticket_key(finding("b"))).status == "ready"
    assert snapshot.tickets_closed == 1
    assert "**1 closed since last week**" in report.body


def test_a_finding_that_comes_back_reopens_its_ticket(found):
    found[:] = [finding("a")]
    sweep()
    found[:] = []
    sweep()
    found[:] = [finding("a")]
    sweep()
    ticket = BacklogTicket.objects.get(key=ticket_key(finding("a")))
    assert ticket.status == "ready"
    assert "reopened: the health sweep wants this again" in ticket.body
    assert BacklogTicket.objects.filter(key__startswith="finding-").count() == 1


def test_an_open_ticket_is_updated_while_its_finding_changes(found):
    found[:] = [finding("a", message="3 things broken")]
    sweep()
    found[:] = [finding("a", message="5 things broken")]
    sweep()
    assert BacklogTicket.objects.get(key=ticket_key(finding("a"))).title == "Fix: 5 things broken"


def test_a_finding_naming_a_person_gives_the_ticket_that_owner(found):
    alice = UserFactory(username="alice")
    found[:] = [finding("a", owner="alice")]
    sweep()
    assert BacklogTicket.objects.get(key=ticket_key(finding("a"))).owner == alice


def test_top_fixes_rank_by_severity_times_reach_and_keep_ten(settings):
    findings = [finding(f"w{i}", reach=i) for i in range(1, 13)] + [finding("e", Severity.ERROR, reach=3)]
    top = top_fixes(findings)
    # error x 3 = 9 ranks with warning x 9; ties by key: "e" < "w9".
    assert [f.ident for f in top[:5]] == ["w12", "w11", "w10", "e", "w9"]
    assert len(top) == settings.HEALTH_TOP_FIXES == 10


def test_the_report_lists_the_top_fixes_with_owner_kpi_and_signal(found):
    found[:] = [finding("a", Severity.ERROR, reach=4, owner="group:Ops")]
    _, report = sweep()
    assert (
        "| 1 | it is broken: fix it | error x 4 = 12 | group:Ops | broken things | none broken |"
        in report.body
    )
    assert "### Feedback loops (1)" in report.body
    assert report.figures["top_fixes"] == [ticket_key(found[0])]


def test_findings_left_open_count_in_the_next_weeks_entropy(found):
    found[:] = [finding("a"), finding("b")]
    first = run_sweep()
    write_snapshot(first)
    found[:] = [finding("a")]
    second = run_sweep()
    # last week: 0 jobs, 0 sources, 0 left open = 0; this week: "a" left open = 1 -> +1
    assert second.problems["findings left open"] == 1
    assert second.entropy.value == 1
    assert timezone.now() - second.end < timedelta(minutes=1)
