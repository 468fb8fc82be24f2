import pytest
from django.urls import reverse

from bizops.core.backlog_files import export_dir
from bizops.core.history import change_log
from bizops.core.models import BacklogTicket
from tests.factories import BacklogTicketFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_list_shows_priority_status_owner_due_date_and_age(admin_client):
    owner = UserFactory(username="maya")
    BacklogTicketFactory(key="checkout_speed", owner=owner, due_date="2026-12-04")
    response = admin_client.get(reverse("admin:bizops_backlogticket_changelist"))
    assert response.status_code == 200
    content = response.content.decode()
    for text in ["checkout_speed", "P1", "Ready", "maya", "Dec. 4, 2026", "0 d"]:
        assert text in content


def test_the_list_filters_by_status_and_searches_text(admin_client):
    BacklogTicketFactory(key="alpha_one", status="blocked", title="Alpha")
    BacklogTicketFactory(key="beta_two", status="done", title="Beta")
    url = reverse("admin:bizops_backlogticket_changelist")
    assert "alpha_one" in admin_client.get(url, {"status__exact": "blocked"}).content.decode()
    assert "beta_two" not in admin_client.get(url, {"status__exact": "blocked"}).content.decode()
    assert "beta_two" in admin_client.get(url, {"q": "Beta"}).content.decode()


def test_a_bulk_action_moves_status_and_stamps_done_time(admin_client):
    tickets = BacklogTicketFactory.create_batch(3, status="in_progress")
    response = admin_client.post(
        reverse("admin:bizops_backlogticket_changelist"),
        {"action": "move_to_done", "_selected_action": [t.pk for t in tickets[:2]]},
        follow=True,
    )
    assert "Moved 2 ticket(s) to Done." in response.content.decode()
    done = BacklogTicket.objects.filter(status="done")
    assert done.count() == 2
    assert all(t.done_at is not None for t in done)
    assert BacklogTicket.objects.get(pk=tickets[2].pk).status == "in_progress"


def test_reopening_a_done_ticket_clears_its_done_time(db):
    ticket = BacklogTicketFactory(status="done")
    assert ticket.done_at is not None
    ticket.status = "in_progress"
    ticket.save()
    assert ticket.done_at is None


def test_a_user_without_the_move_permission_gets_no_move_actions(client):
    viewer = UserFactory()
    from django.contrib.auth.models import Permission

    viewer.user_permissions.add(Permission.objects.get(codename="view_backlogticket"))
    client.force_login(viewer)
    response = client.get(reverse("admin:bizops_backlogticket_changelist"))
    assert response.status_code == 200
    assert "move_to_done" not in response.content.decode()


def test_the_body_is_rendered_as_sanitised_html_on_the_detail_page(admin_client):
    ticket = BacklogTicketFactory(
        body="## Plan\n\n- **ship** it\n\n<script>alert('x')</script>\n\n[link](javascript:alert(1))"
    )
    response = admin_client.get(reverse("admin:bizops_backlogticket_change", args=[ticket.pk]))
    content = response.content.decode()
    assert "<h2>Plan</h2>" in content
    assert "<strong>ship</strong>" in content
    assert "<script>alert" not in content
    assert "javascript:alert" not in content.split("<h2>Plan</h2>")[1].split("</div>")[0]


def test_every_change_is_recorded_with_who_and_what_and_shown_on_the_ticket(admin_client, admin_user):
    response = admin_client.post(
        reverse("admin:bizops_backlogticket_add"),
        {"key": "pricing_page", "title": "Pricing page", "priority": "P2", "status": "draft", "body": "x"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    ticket = BacklogTicket.objects.get(key="pricing_page")
    admin_client.post(
        reverse("admin:bizops_backlogticket_change", args=[ticket.pk]),
        {"key": "pricing_page", "title": "Pricing page v2", "priority": "P0", "status": "ready", "body": "x"},
    )
    history = ticket.history.order_by("history_date")
    assert [h.history_type for h in history] == ["+", "~"]
    assert history.last().history_user == admin_user

    page = admin_client.get(reverse("admin:bizops_backlogticket_change", args=[ticket.pk])).content.decode()
    assert "boss" in page
    assert "<strong>title</strong>: Pricing page &rarr; Pricing page v2" in page
    assert "<strong>priority</strong>: P2 &rarr; P0" in page
    history_page = admin_client.get(reverse("admin:bizops_backlogticket_history", args=[ticket.pk]))
    assert history_page.status_code == 200


def _change_form(ticket: BacklogTicket, **changes) -> dict:
    """The change form as a browser submits it: textareas come back with CRLF line endings."""
    crlf = lambda text: text.replace("\n", "\r\n")  # noqa: E731
    data = {
        "key": ticket.key,
        "title": ticket.title,
        "priority": ticket.priority,
        "status": ticket.status,
        "owner": "",
        "target_week": ticket.target_week,
        "due_date": "",
        "kpi": ticket.kpi,
        "signal_30d": crlf(ticket.signal_30d),
        "acceptance_criteria": crlf(ticket.acceptance_criteria),
        "body": crlf(ticket.body),
    }
    return {**data, **changes}


def test_saving_only_a_status_change_records_only_the_status_and_keeps_line_endings(admin_client, tmp_path):
    ticket = BacklogTicketFactory(
        status="ready",
        body="## Why\n\nBecause.\n\n- one\n- two",
        acceptance_criteria="- loads in 2 s\n- no errors",
        signal_30d="Fewer tickets\nabout speed",
    )
    response = admin_client.post(
        reverse("admin:bizops_backlogticket_change", args=[ticket.pk]),
        _change_form(ticket, status="in_progress"),
    )
    assert response.status_code == 302, response.content.decode()[:2000]

    saved = BacklogTicket.objects.get(pk=ticket.pk)
    assert saved.status == "in_progress"
    assert (saved.body, saved.acceptance_criteria, saved.signal_30d) == (
        ticket.body,
        ticket.acceptance_criteria,
        ticket.signal_30d,
    )
    newest = change_log(saved)[0]
    assert [field for field, _, _ in newest.fields] == ["status"]
    page = admin_client.get(reverse("admin:bizops_backlogticket_change", args=[ticket.pk])).content.decode()
    assert "<strong>body</strong>" not in page
    assert "<strong>acceptance_criteria</strong>" not in page

    (written,) = export_dir(tmp_path)
    assert b"\r" not in written.read_bytes()


def test_text_typed_with_crlf_or_cr_line_endings_is_stored_with_newlines(admin_client):
    ticket = BacklogTicketFactory()
    admin_client.post(
        reverse("admin:bizops_backlogticket_change", args=[ticket.pk]),
        _change_form(ticket, body="first\r\nsecond\rthird", acceptance_criteria="- a\r\n- b"),
    )
    saved = BacklogTicket.objects.get(pk=ticket.pk)
    assert (saved.body, saved.acceptance_criteria) == ("first\nsecond\nthird", "- a\n- b")
    assert [field for field, _, _ in change_log(saved)[0].fields] == ["acceptance_criteria", "body"]


def test_a_ticket_stored_with_crlf_shows_no_text_change_when_only_its_line_endings_are_normalised(
    admin_client,
):
    ticket = BacklogTicketFactory(
        status="ready", body="## Why\r\n\r\nBecause.", acceptance_criteria="- a\r\n- b"
    )
    admin_client.post(
        reverse("admin:bizops_backlogticket_change", args=[ticket.pk]),
        _change_form(
            ticket, status="blocked", body="## Why\r\n\r\nBecause.", acceptance_criteria="- a\r\n- b"
        ),
    )
    saved = BacklogTicket.objects.get(pk=ticket.pk)
    assert saved.body == "## Why\n\nBecause."
    assert [field for field, _, _ in change_log(saved)[0].fields] == ["status"]
