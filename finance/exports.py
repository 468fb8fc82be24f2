"""Forecast runs as ``finance_model.csv`` / ``.xlsx``: one row per scenario and month."""

import io
from collections.abc import Iterable, Iterator
from decimal import Decimal, InvalidOperation

import openpyxl
from openpyxl.styles import Font

from bizops.core.spreadsheet import SafeCSVWriter, append_row
from finance.engine import MONTH_COLUMNS
from finance.models import ForecastMonth, ForecastRun

# Commerce runs fill these (and new_customers, revenue = net sales, COGS, fees, gross_profit = CM2,
# ad spend, fixed, operating profit, one-offs, cash, runway); subscription runs leave them empty.
COMMERCE_ONLY = [
    "returning_customers",
    "orders",
    "gross_sales",
    "discounts",
    "returns",
    "cm1",
    "fulfilment_fees",
    "cm3",
    "inventory_cash",
]
HEADER = ["scenario", "assumption_set", "version", "run", "month", "period", *MONTH_COLUMNS, *COMMERCE_ONLY]
SUMMARY_HEADER = [
    "scenario",
    "assumption_set",
    "version",
    "run",
    "created_at",
    "month_12_mrr",
    "break_even_month",
    "break_even_period",
    "cash_trough",
    "cash_trough_month",
    "ending_cash",
    "ltv",
    "cac_payback_months",
    "ltv_to_cac",
    "churn_pct_used",
    "churn_floored",
    "revenue_model",
    "month_12_net_sales",
    "value_12",
]
INTEGER_COLUMNS = {"version", "run", "month"}


def rows(runs: Iterable[ForecastRun]) -> Iterator[list]:
    """Data rows (no header) in run order then month order; Decimals stay Decimals."""
    runs = list(runs)
    by_run: dict[int, list[ForecastMonth]] = {run.pk: [] for run in runs}
    for month in ForecastMonth.objects.filter(run__in=runs).order_by("run_id", "month"):
        by_run[month.run_id].append(month)
    for run in runs:
        for month in by_run[run.pk]:
            yield [
                run.scenario_name,
                run.assumption_set.name,
                run.assumption_set.version,
                run.pk,
                month.month,
                f"{month.period:%Y-%m}",
                *(getattr(month, column) for column in MONTH_COLUMNS),
                *(getattr(month, column) for column in COMMERCE_ONLY),
            ]


def csv_text(runs: Iterable[ForecastRun]) -> str:
    buffer = io.StringIO()
    writer = SafeCSVWriter(buffer, lineterminator="\n")
    writer.writeheader(HEADER)
    for row in rows(runs):
        writer.writerow(row)
    return buffer.getvalue()


def _number(text):
    """The summary keeps Decimals as JSON strings; the sheet wants numbers (a negative one is not text)."""
    try:
        return Decimal(text) if isinstance(text, str) else text
    except InvalidOperation:
        return text


def summary_rows(runs: Iterable[ForecastRun]) -> Iterator[list]:
    for run in runs:
        summary = run.summary
        yield [
            run.scenario_name,
            run.assumption_set.name,
            run.assumption_set.version,
            run.pk,
            run.created_at.isoformat(timespec="seconds"),
            run.month_12_mrr,
            run.break_even_month,
            summary.get("break_even_period"),
            run.cash_trough,
            summary.get("cash_trough_month"),
            run.ending_cash,
            _number(summary.get("ltv")),
            _number(summary.get("cac_payback_months")),
            _number(summary.get("ltv_to_cac")),
            _number(summary.get("churn_pct_used")),
            summary.get("churn_floored"),
            run.revenue_model,
            run.month_12_net_sales,
            _number(summary.get("value_12")),
        ]


def _sheet(book, title: str, header: list[str], data: Iterable[list]):
    sheet = book.create_sheet(title)
    append_row(sheet, header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in data:
        append_row(sheet, row)
    money_format = "#,##0.00"
    for column_cells in sheet.iter_cols(min_row=2):
        name = header[column_cells[0].column - 1]
        if name not in INTEGER_COLUMNS:
            for cell in column_cells:
                if not isinstance(cell.value, str):
                    cell.number_format = money_format
    sheet.freeze_panes = "A2"
    return sheet


def xlsx_bytes(runs: Iterable[ForecastRun]) -> bytes:
    runs = list(runs)
    book = openpyxl.Workbook()
    book.remove(book.active)
    _sheet(book, "finance_model", HEADER, rows(runs))
    _sheet(book, "summary", SUMMARY_HEADER, summary_rows(runs))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
