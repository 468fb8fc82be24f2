"""FX rates exported from the admin open safely in a spreadsheet; rates stay numbers."""

import csv
import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from tests.metrics.factories import FxRateFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def formula_currency():
    # The admin form takes any three characters: "=A1" would be a live reference in a sheet.
    return FxRateFactory(day=date(2025, 3, 1), currency="=A1", rate=Decimal("0.71"))


def export(client, fmt: str) -> bytes:
    response = client.post(
        reverse("admin:etl_fxrate_export"),
        {
            "format": {"csv": "0", "xlsx": "1"}[fmt],
            "resource": "0",
            **{f"fxrateresource_{name}": "on" for name in ("day", "currency", "rate")},
        },
    )
    assert response.status_code == 200
    return response.content


def test_the_csv_prefixes_a_formula_currency_and_keeps_the_rate_plain(admin_client, formula_currency):
    (row,) = csv.DictReader(io.StringIO(export(admin_client, "csv").decode()))
    assert (row["currency"], Decimal(row["rate"])) == ("'=A1", Decimal("0.71"))


def test_the_xlsx_holds_a_formula_currency_as_text_and_the_rate_as_a_number(admin_client, formula_currency):
    sheet = openpyxl.load_workbook(io.BytesIO(export(admin_client, "xlsx"))).active
    header = [cell.value for cell in sheet[1]]
    currency, rate = (sheet.cell(row=2, column=header.index(name) + 1) for name in ("currency", "rate"))
    assert (currency.data_type, currency.value) == ("s", "'=A1")
    assert (rate.data_type, rate.value) == ("n", 0.71)
