"""Admin import and export of tickets (django-import-export) with its preview step."""

import datetime as dt
import io
import json
import re

import openpyxl
import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from bizops.core.models import BacklogTicket
from tests.factories import BacklogTicketFactory, UserFactory

pytestmark = pytest.mark.django_db

HEADER = ["key", "title", "priority", "status", "owner", "target_week", "kpi"]
FORMAT_INDEX = {"csv": "0", "xlsx": "1", "json": "2"}


def csv_file(rows) -> bytes:
    lines = [",".join(HEADER)] + [",".join(row) for row in rows]
    return ("\n".join(lines) + "\n").encode()


def xlsx_file(rows) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def json_file(rows) -> bytes:
    return json.dumps([dict(zip(HEADER, row, strict=True)) for row in rows]).encode()


MAKERS = {"csv": csv_file, "xlsx": xlsx_file, "json": json_file}


def preview(client, fmt: str, content: bytes):
    upload = SimpleUploadedFile(f"tickets.{fmt}", content)
    return client.post(
        reverse("admin:bizops_backlogticket_import"),
        {"import_file": upload, "format": FORMAT_INDEX[fmt], "resource": "0"},
    )


def confirm(client, preview_response):
    html = preview_response.content.decode()
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html))
    fields.pop("csrfmiddlewaretoken", None)
    return client.post(reverse("admin:bizops_backlogticket_process_import"), fields, follow=True)


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_an_import_previews_then_creates_tickets_on_confirm(admin_client, fmt):
    UserFactory(username="maya")
    rows = [
        ("checkout_speed", "Faster checkout", "P0", "ready", "maya", "Week 1", "Checkout conversion"),
        ("faq_page", "FAQ page", "p2", "In progress", "", "Week 2", ""),
    ]
    response = preview(admin_client, fmt, MAKERS[fmt](rows))
    assert response.status_code == 200
    assert "Confirm import" in response.content.decode()
    assert BacklogTicket.objects.count() == 0, "the preview must not write"

    confirm(admin_client, response)
    tickets = {t.key: t for t in BacklogTicket.objects.select_related("owner")}
    assert set(tickets) == {"checkout_speed", "faq_page"}
    assert tickets["checkout_speed"].owner.username == "maya"
    assert tickets["faq_page"].priority == "P2"
    assert tickets["faq_page"].status == "in_progress"


def test_an_import_updates_tickets_by_key(admin_client):
    BacklogTicketFactory(key="checkout_speed", title="Old title", priority="P3")
    rows = [("checkout_speed", "New title", "P1", "ready", "", "", "")]
    confirm(admin_client, preview(admin_client, "csv", csv_file(rows)))
    ticket = BacklogTicket.objects.get(key="checkout_speed")
    assert (ticket.title, ticket.priority) == ("New title", "P1")
    assert BacklogTicket.objects.count() == 1


@pytest.mark.parametrize(
    ("bad_row", "message"),
    [
        (
            ("bad_priority", "Bad", "P9", "ready", "", "", ""),
            "unknown value &#x27;P9&#x27;; expected one of P0, P1, P2, P3",
        ),
        (
            ("bad_owner", "Bad", "P1", "ready", "nobody", "", ""),
            "unknown owner &#x27;nobody&#x27;: no user has that username",
        ),
        (
            ("first_ok", "Duplicate", "P1", "ready", "", "", ""),
            "duplicate key &#x27;first_ok&#x27;: also on row 1 of this file",
        ),
    ],
)
@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_a_file_with_a_bad_row_names_the_row_and_imports_nothing(admin_client, fmt, bad_row, message):
    rows = [("first_ok", "Fine", "P1", "ready", "", "", ""), bad_row]
    response = preview(admin_client, fmt, MAKERS[fmt](rows))
    html = response.content.decode()
    assert "Some rows failed to validate" in html
    assert message in html
    assert re.search(r"<td>\s*2\s*</td>", html), "the failing row number is shown"
    assert "Confirm import" not in html
    assert BacklogTicket.objects.count() == 0


@pytest.mark.parametrize(
    ("fmt", "content_type"), [("csv", "text/csv"), ("xlsx", "spreadsheetml"), ("json", "json")]
)
def test_export_downloads_every_ticket(admin_client, fmt, content_type):
    BacklogTicketFactory(key="checkout_speed", owner=UserFactory(username="maya"))
    response = admin_client.post(
        reverse("admin:bizops_backlogticket_export"),
        {
            "format": FORMAT_INDEX[fmt],
            "resource": "0",
            "backlogticketresource_key": "on",
            "backlogticketresource_owner": "on",
            "backlogticketresource_priority": "on",
        },
    )
    assert response.status_code == 200
    assert content_type in response["Content-Type"]
    if fmt == "csv":
        body = response.content.decode()
        assert "checkout_speed" in body
        assert "maya" in body


def test_an_export_is_named_by_the_reporting_day_not_the_utc_day(admin_client):
    """03:30 UTC on 1 December is 22:30 on 30 November in Toronto: the file says 30 November."""
    BacklogTicketFactory(key="late_night")
    with time_machine.travel(dt.datetime(2026, 12, 1, 3, 30, tzinfo=dt.UTC), tick=False):
        response = admin_client.post(
            reverse("admin:bizops_backlogticket_export"),
            {"format": FORMAT_INDEX["csv"], "resource": "0", "backlogticketresource_key": "on"},
        )
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="BacklogTicket-2026-11-30.csv"'


def test_a_tickets_target_goes_out_and_comes_back_with_the_file(admin_client):
    BacklogTicketFactory(key="cac_down", kpi="blended CAC", target="at most 42.00 USD")
    response = admin_client.post(
        reverse("admin:bizops_backlogticket_export"),
        {"format": FORMAT_INDEX["json"], "resource": "0", "backlogticketresource_key": "on",
         "backlogticketresource_target": "on"},
    )  # fmt: skip
    assert json.loads(response.content) == [{"key": "cac_down", "target": "at most 42.00 USD"}]
