import pytest
import time_machine

from bizops.core import keyed_tickets
from bizops.core.keyed_tickets import TicketSpec, sync
from bizops.core.models import BacklogTicket
from bizops.events.models import Event
from tests.factories import BacklogTicketFactory, UserFactory

pytestmark = pytest.mark.django_db
READY, DONE = BacklogTicket.Status.READY, BacklogTicket.Status.DONE


def spec(key="audit-cac", **fields) -> TicketSpec:
    values = {
        "title": "Bring CAC down",
        "priority": BacklogTicket.Priority.P1,
        "owner": "growth",
        "kpi": "blended_cac",
        "target": "at most 40.00 USD",
        "signal_30d": "CAC below 45.00 USD",
        "body": "CAC is 52.00 USD.",
    }
    return TicketSpec(key=key, **{**values, **fields})


def test_it_creates_a_ticket_with_every_field_of_the_spec():
    growth = UserFactory(username="growth")
    counts = sync("audit-", [spec()], "the business audit")
    ticket = BacklogTicket.objects.get(key="audit-cac")
    assert counts["created"] == 1
    assert (ticket.title, ticket.priority, ticket.status, ticket.owner) == (
        "Bring CAC down",
        "P1",
        READY,
        growth,
    )
    assert (ticket.kpi, ticket.target, ticket.signal_30d) == (
        "blended_cac",
        "at most 40.00 USD",
        "CAC below 45.00 USD",
    )
    assert ticket.body == "CAC is 52.00 USD."


def test_running_twice_changes_nothing_the_second_time():
    sync("audit-", [spec()], "the business audit")
    counts = sync("audit-", [spec()], "the business audit")
    assert counts == {"created": 0, "updated": 0, "reopened": 0, "closed": 0, "unchanged": 1}
    assert BacklogTicket.objects.count() == 1
    # ticket.created once, from the run that created it.
    (created,) = [e.payload for e in Event.objects.filter(type="ticket.created")]
    assert (created["ticket"], created["source"]) == ("audit-cac", "the business audit")


def test_an_open_ticket_is_updated_but_keeps_the_teams_status_priority_and_owner():
    UserFactory(username="growth")
    sync("audit-", [spec()], "the business audit")
    ticket = BacklogTicket.objects.get()
    someone = UserFactory(username="someone")
    ticket.status, ticket.priority, ticket.owner = BacklogTicket.Status.IN_PROGRESS, "P0", someone
    ticket.save()
    counts = sync(
        "audit-", [spec(target="at most 38.00 USD", body="CAC is 50.00 USD.")], "the business audit"
    )
    ticket.refresh_from_db()
    assert counts["updated"] == 1
    assert (ticket.target, ticket.body) == ("at most 38.00 USD", "CAC is 50.00 USD.")
    assert (ticket.status, ticket.priority, ticket.owner) == (BacklogTicket.Status.IN_PROGRESS, "P0", someone)


@time_machine.travel("2026-03-02 13:00:00+00:00", tick=False)
def test_a_ticket_no_longer_wanted_is_closed_with_a_dated_note_and_its_reason():
    sync("audit-", [spec(), spec("audit-mer", title="Lift MER")], "the business audit")
    counts = sync(
        "audit-", [spec()], "the business audit", close_reasons={"audit-mer": "MER reached its target"}
    )
    closed = BacklogTicket.objects.get(key="audit-mer")
    assert counts["closed"] == 1
    assert closed.status == DONE and closed.done_at is not None
    # 13:00 UTC is 08:00 in Toronto (EST).
    assert closed.body.endswith("#### Notes\n- 2026-03-02 08:00 EST: closed: MER reached its target\n")
    assert BacklogTicket.objects.get(key="audit-cac").status == READY


def test_a_closed_ticket_that_comes_back_is_reopened_and_keeps_its_notes():
    UserFactory(username="growth")
    sync("audit-", [spec()], "the business audit")
    sync("audit-", [], "the business audit")
    counts = sync("audit-", [spec()], "the business audit")
    ticket = BacklogTicket.objects.get()
    assert counts["reopened"] == 1
    assert ticket.status == READY and ticket.done_at is None
    assert "closed: the business audit no longer finds this" in ticket.body
    assert "reopened: the business audit wants this again" in ticket.body
    assert ticket.body.startswith("CAC is 52.00 USD.")


def test_it_never_touches_tickets_outside_its_prefix_or_kept_keys():
    other = BacklogTicketFactory(key="finding-disk", status=READY)
    sync("audit-", [spec(), spec("audit-mer")], "the business audit")
    counts = sync("audit-", [spec()], "the business audit", keep={"audit-mer"})
    other.refresh_from_db()
    assert counts["closed"] == 0
    assert other.status == READY
    assert BacklogTicket.objects.get(key="audit-mer").status == READY


def test_an_unknown_owner_leaves_the_ticket_unowned_and_says_so():
    sync("audit-", [spec(owner="nobody")], "the business audit")
    ticket = BacklogTicket.objects.get()
    assert ticket.owner is None
    assert "Owner 'nobody' has no user account" in ticket.body


def test_an_empty_owner_is_filled_in_once_the_user_exists():
    sync("audit-", [spec()], "the business audit")
    growth = UserFactory(username="growth")
    counts = sync("audit-", [spec()], "the business audit")
    assert counts["updated"] == 1
    assert BacklogTicket.objects.get().owner == growth


@pytest.mark.parametrize(
    ("prefix", "specs", "message"),
    [
        ("", [], "prefix must not be empty"),
        ("audit-", [spec("finding-x")], "does not start with the prefix 'audit-'"),
        ("audit-", [spec(), spec()], "is wanted twice"),
        ("audit-", [spec("audit-" + "x" * 100)], "longer than a backlog key"),
    ],
)
def test_bad_specs_are_refused_before_anything_is_written(prefix, specs, message):
    with pytest.raises(ValueError, match=message):
        keyed_tickets.sync(prefix, specs, "the business audit")
    assert BacklogTicket.objects.count() == 0
