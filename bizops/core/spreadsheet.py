"""CSV and XLSX that are safe to open in a spreadsheet (no formula injection).

Excel, LibreOffice and Google Sheets run a CSV cell that starts with ``=``,
``+``, ``-`` or ``@`` as a formula (a tab, carriage return or line feed in
front is skipped), so a ticket title like ``=HYPERLINK("http://x","y")`` would
become a live link, or worse, in the file a colleague opens. As OWASP
recommends (https://owasp.org/www-community/attacks/CSV_Injection), such text
gets a leading apostrophe, and every text field of a data row is quoted, so a
``;`` inside it cannot start a new cell where ``;`` is the list separator.
XLSX cells are written as text cells (openpyxl makes any string starting with
``=`` a formula) with the same apostrophe, so the cell stays text if it is
copied, edited or saved as CSV.

Only text is escaped: numbers (``Decimal``, ``int``, ``float``) stay bare
numbers, so ``-12.50`` is still a number. Header rows are our own labels and
stay unquoted.

Text already starting with apostrophes before such a character gets one more,
and ``unescape_cell`` takes one off: a file exported here and imported back
gives exactly the values it was made from.
"""

import csv
import io
import numbers
import re
from collections.abc import Callable, Iterable
from decimal import Decimal

from django.utils import timezone
from import_export.formats.base_formats import CSV, ODS, TSV, XLS, XLSX
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
_ESCAPED = re.compile(r"'+[=+\-@\t\r\n]")


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


def is_number(value) -> bool:
    return isinstance(value, numbers.Number) and not isinstance(value, bool)


class _FixedPoint(Decimal):
    """A Decimal the csv module writes as ``0.00000000``, not ``0E-8`` (what ``str`` gives)."""

    def __str__(self) -> str:
        return format(self, "f")


def _bare(value):
    return _FixedPoint(value) if isinstance(value, Decimal) else value


class SafeCSVWriter:
    """CSV for spreadsheets: in data rows, text is escaped and quoted and numbers are bare.

    ``as_text`` turns other values (dates, say) into text; ``None`` is empty.
    ``escape=False`` for cells ``safe_cell`` has already been through.
    """

    def __init__(self, stream, as_text: Callable = lambda value: value, escape: bool = True, **kwargs):
        self._header = csv.writer(stream, **kwargs)
        self._rows = csv.writer(stream, quoting=csv.QUOTE_NONNUMERIC, **kwargs)
        self._as_text = as_text
        self._escape = safe_cell if escape else lambda value: value

    def writeheader(self, labels: Iterable[str]) -> None:
        self._header.writerow([safe_cell(label) for label in labels])

    def writerow(self, values: Iterable) -> None:
        # Escape before formatting: a Decimal must not be seen as the text "-12.50".
        self._rows.writerow(
            [_bare(value) if is_number(value) else self._as_text(self._escape(value)) for value in values]
        )


def xlsx_text(value):
    """Text an XLSX cell can hold: control characters (which openpyxl refuses) become U+FFFD."""
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("\N{REPLACEMENT CHARACTER}", value)
    return value


def append_row(sheet, values: Iterable) -> None:
    """Append a row to an openpyxl sheet: text as text cells (never formulas), numbers as numbers.

    XML cannot hold most control characters, so a typed one would make the
    whole export fail; it is shown as U+FFFD instead (django-import-export's
    exports do the same through ``IMPORT_EXPORT_ESCAPE_ILLEGAL_CHARS_ON_EXPORT``).
    """
    sheet.append([xlsx_text(safe_cell(value)) for value in values])
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"


class SpreadsheetSafeResource:
    """django-import-export resource mixin: exported text is escaped, imported text unescaped.

    Escaping happens per field, where the value's type is still known: a
    number the widget rendered as text (``"-12.50"`` in CSV) is exported as
    the number, for ``SafeCSV`` to write bare. It is on unless the export is
    told ``spreadsheet=False`` (JSON: see ``SpreadsheetSafeExportAdmin``).
    """

    def export_field(self, field, instance, **kwargs):
        value = super().export_field(field, instance, **kwargs)
        if not kwargs.get("spreadsheet", True) or not isinstance(value, str):
            return value
        raw = field.get_value(instance) if field.attribute else None
        return raw if is_number(raw) else safe_cell(value)

    def before_import_row(self, row, **kwargs):
        for column, value in row.items():
            row[column] = unescape_cell(value)
        super().before_import_row(row, **kwargs)


class SafeCSV(CSV):
    """django-import-export's CSV format, written by ``SafeCSVWriter`` (text quoted, numbers bare).

    The cells were escaped by ``SpreadsheetSafeResource``, which still knew
    which ones were numbers.
    """

    def export_data(self, dataset, **kwargs) -> str:
        stream = io.StringIO()
        writer = SafeCSVWriter(stream, escape=False)
        writer.writeheader(dataset.headers or [])
        for row in dataset:
            writer.writerow(row)
        return stream.getvalue()


def is_spreadsheet(file_format) -> bool:
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

    def get_export_filename(self, request, queryset, file_format):
        """``Model-YYYY-MM-DD.ext`` dated in the reporting time zone (the library dates in UTC)."""
        return f"{self.model.__name__}-{timezone.localdate():%Y-%m-%d}.{file_format.get_extension()}"
