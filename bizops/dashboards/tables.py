"""The one table a dashboard page shows, and its CSV and XLSX downloads.

The page, the CSV and the XLSX are rendered from the same ``Table``, so a
download holds exactly the rows and columns on screen, each value at the
precision shown (money and ratios to the cent, shares to a tenth of a
percent): CSV with bare numbers (a dot for decimals, empty for "n/a"),
XLSX with typed cells. Both go through ``bizops.core.spreadsheet``: text that
would start a formula (an order named ``=HYPERLINK(...)``) is escaped.
"""

import io
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal

from django.http import HttpResponse
from django.utils import timezone

from bizops.core.spreadsheet import SafeCSVWriter, append_row

# How a column's values are shown: money, int, number (x.xx), ratio (x.xx), share (percent),
# change (a share shown signed), text, date, datetime.
XLSX_FORMATS = {
    "money": "#,##0.00",
    "int": "#,##0",
    "number": "#,##0.00",
    "ratio": "0.00",
    "share": "0.00%",
    "change": "+0.0%;-0.0%;0.0%",
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm",
}


# The precision each kind is shown at (shares and changes are fractions: 0.001 is 0.1 %).
SHOWN = {
    "money": Decimal("0.01"),
    "number": Decimal("0.01"),
    "ratio": Decimal("0.01"),
    "share": Decimal("0.001"),
    "change": Decimal("0.001"),
    "int": Decimal(1),
}


def shown(value, kind: str):
    """``value`` rounded as the page shows it (half-even, like Decimal formatting)."""
    if value is None or kind not in SHOWN:
        return value
    rounded = Decimal(value).quantize(SHOWN[kind], rounding=ROUND_HALF_EVEN)
    return int(rounded) if kind == "int" else rounded


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = "money"


@dataclass
class Table:
    title: str
    filename: str
    columns: list[Column]
    rows: list[dict] = field(default_factory=list)
    # Optional link per row: {"row index": url}, for drill-down.
    links: dict[int, str] = field(default_factory=dict)
    link_column: str = ""
    # Shown on the page as several tables of these columns, each after the first column
    # (a 27-column table does not fit 1,400 px); the downloads keep every column in one table.
    groups: list[tuple[str, list[str]]] = field(default_factory=list)

    def parts(self) -> list["Table"]:
        """The table as the page shows it: whole, or one table per group of columns."""
        if not self.groups:
            return [self]
        first = self.columns[0]
        return [
            replace(
                self, title=heading, columns=[first, *(c for c in self.columns if c.key in keys)], groups=[]
            )
            for heading, keys in self.groups
        ]

    def cells(self, row: dict) -> list:
        """The row's values as shown on the page, in column order."""
        return [shown(row.get(column.key), column.kind) for column in self.columns]


def _plain(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def as_csv(table: Table) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{table.filename}.csv"'
    writer = SafeCSVWriter(response, as_text=_plain)
    writer.writeheader([column.label for column in table.columns])
    for row in table.rows:
        writer.writerow(table.cells(row))
    return response


def as_xlsx(table: Table) -> HttpResponse:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = table.title[:31]
    append_row(sheet, [column.label for column in table.columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in table.rows:
        values = []
        for value in table.cells(row):
            if isinstance(value, datetime):
                value = timezone.localtime(value).replace(tzinfo=None)
            values.append(value)
        append_row(sheet, values)
    for index, column in enumerate(table.columns, start=1):
        number_format = XLSX_FORMATS.get(column.kind)
        if number_format:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = number_format
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{table.filename}.xlsx"'
    return response


EXPORTERS = {"csv": as_csv, "xlsx": as_xlsx}
