"""CSV and XLSX that are safe to open in a spreadsheet (no formula injection).

Excel, LibreOffice and Google Sheets run a CSV cell that starts with ``=``,
``+``, ``-`` or ``@`` as a formula (a tab or carriage return in front is
skipped), so a ticket title like ``=HYPERLINK("http://x","y")`` would become a
live link, or worse, in the file a colleague opens. As OWASP recommends
(https://owasp.org/www-community/attacks/CSV_Injection), such text gets a
leading apostrophe: it is then shown as text. XLSX cells are written as text
cells (openpyxl makes any string starting with ``=`` a formula) with the same
apostrophe, so the cell stays text if it is copied, edited or saved as CSV.

Only text is escaped: numbers (``Decimal``, ``int``, ``float``), dates and
booleans stay what they are, so ``-12.50`` is still a number.

Text already starting with apostrophes before such a character gets one more,
and ``unescape_cell`` takes one off: a file exported here and imported back
gives exactly the values it was made from.
"""

import csv
import numbers
import re
from collections.abc import Callable, Iterable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_ESCAPED = re.compile(r"'+[=+\-@\t\r]")


def safe_cell(value):
    """``value`` for a CSV or XLSX cell: text that could start a formula gets a leading ``'``."""
    if isinstance(value, str) and (value.startswith(FORMULA_STARTS) or _ESCAPED.match(value)):
        return "'" + value
    return value


def unescape_cell(value):
    """The value ``safe_cell`` was given (for files read back in)."""
    if isinstance(value, str) and _ESCAPED.match(value):
        return value[1:]
    return value


def _blank_none(value):
    return "" if value is None else value


class SafeCSVWriter:
    """``csv.writer`` whose cells pass through ``safe_cell``, then ``as_text``."""

    def __init__(self, stream, as_text: Callable = _blank_none, **kwargs):
        self._writer = csv.writer(stream, **kwargs)
        self._as_text = as_text

    def writerow(self, values: Iterable) -> None:
        # Escape before formatting: a Decimal formatted as "-12.50" must stay a number.
        self._writer.writerow([self._as_text(safe_cell(value)) for value in values])


def append_row(sheet, values: Iterable) -> None:
    """Append a row to an openpyxl sheet: text as text cells (never formulas), numbers as numbers."""
    sheet.append([safe_cell(value) for value in values])
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"


class SpreadsheetSafeResource:
    """django-import-export resource mixin: exported text is escaped, imported text unescaped.

    Escaping happens per field, where the value's type is still known: a
    number the widget rendered as text (``"-12.50"`` in CSV) is left alone.
    It is on unless the export is told ``spreadsheet=False`` (JSON: see
    ``SpreadsheetSafeExportAdmin``).
    """

    def export_field(self, field, instance, **kwargs):
        value = super().export_field(field, instance, **kwargs)
        if not kwargs.get("spreadsheet", True) or not isinstance(value, str):
            return value
        if field.attribute and isinstance(field.get_value(instance), numbers.Number):
            return value
        return safe_cell(value)

    def before_import_row(self, row, **kwargs):
        for column, value in row.items():
            row[column] = unescape_cell(value)
        super().before_import_row(row, **kwargs)


def is_spreadsheet(file_format) -> bool:
    from import_export.formats.base_formats import CSV, ODS, TSV, XLS, XLSX

    return isinstance(file_format, CSV | TSV | XLS | XLSX | ODS)


class SpreadsheetSafeExportAdmin:
    """ModelAdmin mixin for django-import-export exports: JSON keeps text exactly as stored.

    django-import-export's ``IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT`` is not
    used: it only drops a leading ``=`` (``+``, ``-`` and ``@`` pass), turns
    every cell into text (numbers included), and applies to JSON too.
    """

    def get_export_data(self, file_format, request, queryset, **kwargs):
        kwargs["spreadsheet"] = is_spreadsheet(file_format)
        return super().get_export_data(file_format, request, queryset, **kwargs)
