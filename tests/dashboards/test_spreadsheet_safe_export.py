"""Dashboard downloads open safely in a spreadsheet: an order's name never becomes a formula."""

import csv
import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from tests.metrics.factories import OrderFactory, at

pytestmark = pytest.mark.django_db

INJECTIONS = ['=HYPERLINK("http://x","y")', "+1+1", "-1+1", "@SUM(A1)"]
DAY = date(2025, 3, 13)


@pytest.fixture
def injected_orders():
    """Orders named like formulas; each discounted beyond its goods, so 'Gross - discounts' is -12.50."""
    for hour, name in enumerate(INJECTIONS, start=9):
        OrderFactory(
            name=name, created_at=at(DAY, hour), discounts=Decimal("52.50"), lines=[("40.00", 1, None)]
        )


def download(client, fmt: str):
    response = client.get(reverse("metrics-day-orders", args=[DAY.isoformat()]), {"export": fmt})
    assert response.status_code == 200
    return response.content


def test_the_orders_csv_prefixes_formula_names_and_keeps_negative_numbers_plain(
    admin_client, injected_orders
):
    body = download(admin_client, "csv").decode()
    rows = list(csv.DictReader(io.StringIO(body)))
    assert [row["Order"] for row in rows] == ["'" + name for name in INJECTIONS]
    assert ",-12.50," in body.splitlines()[1]
    assert {row["Gross - discounts"] for row in rows} == {"-12.50"}


def test_the_orders_xlsx_holds_formula_names_as_text_cells_and_numbers_as_numbers(
    admin_client, injected_orders
):
    sheet = openpyxl.load_workbook(io.BytesIO(download(admin_client, "xlsx"))).active
    header = [cell.value for cell in sheet[1]]
    names = [row[header.index("Order")] for row in sheet.iter_rows(min_row=2)]
    assert [(cell.data_type, cell.value) for cell in names] == [("s", "'" + name) for name in INJECTIONS]
    nets = [row[header.index("Gross - discounts")] for row in sheet.iter_rows(min_row=2)]
    assert {(cell.data_type, cell.value) for cell in nets} == {("n", -12.5)}
