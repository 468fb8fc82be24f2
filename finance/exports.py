"""Forecast runs as ``finance_model.csv`` / ``.xlsx``: one row per scenario and month."""

import csv
import io
from collections.abc import Iterable, Iterator

import openpyxl
from openpyxl.styles import Font

from finance.engine import MONTH_COLUMNS
from finance.models import ForecastMonth, ForecastRun

HEADER = ["scenario", "assumption_set", "version", "run", "month", "period", *MONTH_COLUMNS]
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
            ]


def csv_text(runs: Iterable[ForecastRun]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER)
    for row in rows(runs):
        writer.writerow(["" if cell is None else cell for cell in row])
    return buffer.getvalue()


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
            summary.get("ltv"),
            summary.get("cac_payback_months"),
            summary.get("ltv_to_cac"),
            summary.get("churn_pct_used"),
            summary.get("churn_floored"),
        ]


def _sheet(book, title: str, header: list[str], data: Iterable[list]):
    sheet = book.create_sheet(title)
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in data:
        sheet.append(row)
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
