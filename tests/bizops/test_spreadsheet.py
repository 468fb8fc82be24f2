"""Exports are safe to open in a spreadsheet: text never starts a formula, numbers stay numbers."""

import csv
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from bizops.core.models import BacklogTicket
from bizops.core.spreadsheet import SafeCSVWriter, append_row, safe_cell, unescape_cell
from etl.models import DailyMetric
from tests.factories import BacklogTicketFactory

HYPERLINK = '=HYPERLINK("http://x","y")'
INJECTIONS = [HYPERLINK, "+1+1", "-1+1", "@SUM(A1)"]


@pytest.mark.parametrize("text", [*INJECTIONS, "\t=1+1", "\r=1+1", "\n=1+1"])
def test_text_that_could_start_a_formula_gets_an_apostrophe(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize(
    "value", ["Checkout speed", "", "a=b", "1-2", None, Decimal("-12.50"), -3, -1.5, True]
)
def test_other_text_and_every_number_are_left_alone(value):
    assert safe_cell(value) == value


@pytest.mark.parametrize("text", [*INJECTIONS, "'=1+1", "''-2", "'plain", "plain"])
def test_unescaping_gives_back_exactly_what_was_escaped(text):
    assert unescape_cell(safe_cell(text)) == text


def test_the_csv_writer_quotes_and_escapes_text_and_writes_numbers_bare():
    buffer = io.StringIO()
    writer = SafeCSVWriter(buffer, lineterminator="\n")
    writer.writeheader(["name", "amount", "rate", "count", "note"])
    writer.writerow(["-1+1", Decimal("-12.50"), Decimal("0E-8"), -3, None])
    writer.writerow(['x;=1+2";=1+2', Decimal("12.5"), 0.5, 0, "plain"])
    assert buffer.getvalue().splitlines() == [
        "name,amount,rate,count,note",
        '"\'-1+1",-12.50,0.00000000,-3,""',
        '"x;=1+2"";=1+2",12.5,0.5,0,"plain"',
    ]


def test_an_xlsx_row_holds_text_cells_and_numeric_cells():
    sheet = openpyxl.Workbook().active
    append_row(sheet, [HYPERLINK, Decimal("-12.5")])
    text, number = sheet[1]
    assert (text.data_type, text.value) == ("s", "'" + HYPERLINK)
    assert (number.data_type, number.value) == ("n", Decimal("-12.5"))


def test_an_xlsx_row_shows_a_control_character_as_a_replacement_character():
    sheet = openpyxl.Workbook().active
    append_row(sheet, ["bell\x07here", "=1\x01"])
    assert [cell.value for cell in sheet[1]] == ["bell\ufffdhere", "'=1\ufffd"]


BACKLOG_FORMATS = {"csv": "0", "xlsx": "1", "json": "2"}
BACKLOG_FIELDS = ["key", "title", "kpi", "signal_30d", "acceptance_criteria", "due_date"]


def export_backlog(client, fmt: str):
    response = client.post(
        reverse("admin:bizops_backlogticket_export"),
        {
            "format": BACKLOG_FORMATS[fmt],
            "resource": "0",
            **{f"backlogticketresource_{name}": "on" for name in BACKLOG_FIELDS},
        },
    )
    assert response.status_code == 200
    return response.content


@pytest.fixture
def injected_ticket(db):
    title, kpi, signal, criteria = INJECTIONS
    return BacklogTicketFactory(
        key="injected", title=title, kpi=kpi, signal_30d=signal, acceptance_criteria=criteria
    )


def test_the_backlog_csv_export_prefixes_formula_text(admin_client, injected_ticket):
    body = export_backlog(admin_client, "csv").decode()
    assert '"\'=HYPERLINK(""http://x"",""y"")"' in body
    rows = list(csv.DictReader(io.StringIO(body)))
    assert [rows[0][name] for name in ("title", "kpi", "signal_30d", "acceptance_criteria")] == [
        "'" + text for text in INJECTIONS
    ]
    assert rows[0]["key"] == "injected"


def test_the_backlog_xlsx_export_writes_formula_text_as_text_cells(admin_client, injected_ticket):
    sheet = openpyxl.load_workbook(io.BytesIO(export_backlog(admin_client, "xlsx"))).active
    header = [cell.value for cell in sheet[1]]
    cells = {name: sheet.cell(row=2, column=header.index(name) + 1) for name in header}
    for name, text in zip(("title", "kpi", "signal_30d", "acceptance_criteria"), INJECTIONS, strict=True):
        assert cells[name].data_type != "f"
        assert (cells[name].data_type, cells[name].value) == ("s", "'" + text)


def test_a_control_character_in_a_title_does_not_break_the_backlog_xlsx_export(admin_client, db):
    BacklogTicketFactory(key="bell", title="ring\x07the bell")
    sheet = openpyxl.load_workbook(io.BytesIO(export_backlog(admin_client, "xlsx"))).active
    header = [cell.value for cell in sheet[1]]
    assert sheet.cell(row=2, column=header.index("title") + 1).value == "ring\ufffdthe bell"


def test_the_backlog_json_export_keeps_text_as_stored(admin_client, injected_ticket):
    import json

    rows = json.loads(export_backlog(admin_client, "json"))
    assert rows[0]["title"] == HYPERLINK


def test_an_exported_backlog_csv_imports_back_to_the_same_text(admin_client, injected_ticket):
    from tests.bizops.test_backlog_import_export import confirm, preview

    exported = export_backlog(admin_client, "csv")
    BacklogTicket.objects.filter(key="injected").update(title="changed", kpi="")
    confirm(admin_client, preview(admin_client, "csv", exported))
    ticket = BacklogTicket.objects.get(key="injected")
    assert (ticket.title, ticket.kpi, ticket.signal_30d, ticket.acceptance_criteria) == tuple(INJECTIONS)


def export_daily_metrics(client, fmt: str):
    response = client.post(
        reverse("admin:etl_dailymetric_export"),
        {"format": {"csv": "0", "xlsx": "1"}[fmt], "resource": "0", "dailymetricresource_cm3": "on"},
    )
    assert response.status_code == 200
    return response.content


@pytest.fixture
def losing_day(db):
    from datetime import date

    return DailyMetric.objects.create(
        date=date(2025, 3, 13), channel="all", currency="USD", cm3=Decimal("-12.5")
    )


def test_negative_numbers_stay_plain_numbers_in_the_daily_metrics_csv(admin_client, losing_day):
    body = export_daily_metrics(admin_client, "csv").decode()
    assert body.splitlines()[1] == "-12.5000"
    rows = list(csv.DictReader(io.StringIO(body)))
    assert Decimal(rows[0]["cm3"]) == Decimal("-12.5")


def test_negative_numbers_stay_numeric_cells_in_the_daily_metrics_xlsx(admin_client, losing_day):
    sheet = openpyxl.load_workbook(io.BytesIO(export_daily_metrics(admin_client, "xlsx"))).active
    header = [cell.value for cell in sheet[1]]
    cell = sheet.cell(row=2, column=header.index("cm3") + 1)
    assert (cell.data_type, cell.value) == ("n", -12.5)
