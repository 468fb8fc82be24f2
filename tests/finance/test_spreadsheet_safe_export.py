"""finance_model.csv / .xlsx open safely in a spreadsheet: names never become formulas."""

import csv
import io
from decimal import Decimal as D

import openpyxl
import pytest
from django.core.management import call_command
from django.urls import reverse

from finance.models import ForecastRun

pytestmark = pytest.mark.django_db

HYPERLINK = '=HYPERLINK("http://x","y")'
SCENARIOS = [HYPERLINK, "+1+1", "-1+1"]
SET_NAME = "@SUM(A1)"


@pytest.fixture
def losing_plan(make_set, make_scenario):
    """Scenarios and a set named like formulas, with fixed costs high enough to lose money every month."""
    plan = make_set(SET_NAME, fixed_salaries=D("100000"))
    for position, name in enumerate(SCENARIOS):
        make_scenario(name, plan, position=position)
    return plan


def test_the_csv_prefixes_formula_names_and_keeps_negative_numbers_plain(losing_plan, tmp_path):
    call_command("forecast", "--export", str(tmp_path), stdout=io.StringIO())
    lines = (tmp_path / "finance_model.csv").read_text().splitlines()
    assert lines[1].startswith('"\'=HYPERLINK(""http://x"",""y"")","\'@SUM(A1)",1,')
    rows = list(csv.DictReader(lines))
    assert [row["scenario"] for row in rows[::12]] == ["'" + name for name in SCENARIOS]
    assert {row["assumption_set"] for row in rows} == {"'" + SET_NAME}
    first = rows[0]
    assert D(first["operating_profit"]) < 0
    assert first["operating_profit"].startswith("-")


def test_the_xlsx_holds_formula_names_as_text_cells_and_numbers_as_numbers(admin_client, losing_plan):
    call_command("forecast", stdout=io.StringIO())
    runs = ForecastRun.objects.order_by("pk")
    response = admin_client.post(
        reverse("admin:finance_forecastrun_changelist"),
        {"action": "export_xlsx", "_selected_action": [run.pk for run in runs]},
    )
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    for sheet in (book["finance_model"], book["summary"]):
        header = [cell.value for cell in sheet[1]]
        names = [row[0] for row in sheet.iter_rows(min_row=2)]
        assert {cell.value for cell in names} == {"'" + name for name in SCENARIOS}
        assert all(cell.data_type == "s" for cell in names)
        sets = [row[header.index("assumption_set")] for row in sheet.iter_rows(min_row=2)]
        assert {(cell.data_type, cell.value) for cell in sets} == {("s", "'" + SET_NAME)}
    months = book["finance_model"]
    profit = months.cell(row=2, column=[c.value for c in months[1]].index("operating_profit") + 1)
    assert profit.data_type == "n"
    assert profit.value < 0
    summary = book["summary"]
    churn = summary.cell(row=2, column=[c.value for c in summary[1]].index("churn_pct_used") + 1)
    assert churn.data_type == "n"
