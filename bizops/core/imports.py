"""Limits and first checks shared by every file import (admin and commands).

A file is refused before any row is looked at when it is too large, has too
many rows, is JSON nested deeper than any import needs, or has the wrong
columns; each refusal is one line that names the limit or the columns.
The limits are settings (``IMPORT_MAX_BYTES``, ``IMPORT_MAX_ROWS``), read
when a file arrives.
"""

import io
import json
import re

import openpyxl
from django.conf import settings

# No import of ours nests deeper than a handful of levels; the parsers
# recurse per level and fail with RecursionError far below what a file can hold.
MAX_JSON_DEPTH = 64


class ImportRefused(ValueError):
    """A whole file refused; the message is the one line a person reads."""


def max_bytes() -> int:
    return settings.IMPORT_MAX_BYTES


def max_rows() -> int:
    return settings.IMPORT_MAX_ROWS


def human_bytes(count: int) -> str:
    """5242880 -> '5 MB', 1500000 -> '1.4 MB', 900 -> '900 bytes' (1 MB = 1,048,576 bytes)."""
    for unit, size in (("MB", 1 << 20), ("KB", 1 << 10)):
        if count >= size:
            return f"{count / size:,.1f}".removesuffix(".0") + f" {unit}"
    return f"{count:,} bytes"


def check_size(size: int, *, limit: int | None = None, what: str = "the file") -> None:
    limit = max_bytes() if limit is None else limit
    if size > limit:
        raise ImportRefused(f"{what} is {human_bytes(size)}; at most {human_bytes(limit)} per import")


def check_rows(count: int, *, noun: str = "rows", what: str = "the file") -> None:
    if count > max_rows():
        raise ImportRefused(f"{what} has {count:,} {noun}; at most {max_rows():,} {noun} per import")


STRING_RE = re.compile(r'"(?:[^"\\]|\\.)*"')
BRACKET_RE = re.compile(r"[\[\]{}]")


def check_xlsx_rows(data: bytes) -> None:
    """Count a workbook's rows before it is read whole, which takes minutes for 100,000 rows.

    Stops one row past the limit; the count in the message is then the sheet's
    declared size when it has one.
    """
    limit = max_rows()
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        sheet = book.active
        count = 0
        for row in sheet.iter_rows(min_row=2, values_only=True):
            count += any(value not in (None, "") for value in row)
            if count > limit:
                declared = (sheet.max_row or 0) - 1
                what = f"{declared:,}" if declared > limit else f"more than {limit:,}"
                raise ImportRefused(f"the file has {what} rows; at most {limit:,} rows per import")
    finally:
        book.close()


def json_depth(text: str) -> int:
    """How deeply arrays and objects nest in ``text`` (brackets inside strings do not count).

    A loop, not a parser, so even a file of a million ``[`` is measured without recursion.
    """
    depth = deepest = 0
    for bracket in BRACKET_RE.findall(STRING_RE.sub("", text)):
        if bracket in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def check_json_depth(text: str) -> None:
    if json_depth(text) > MAX_JSON_DEPTH:
        raise ImportRefused(f"the JSON is nested too deeply (more than {MAX_JSON_DEPTH} levels)")


def loads_json(text: str | bytes, **kwargs):
    """``json.loads`` that refuses deep nesting and bad JSON with one line (ImportRefused)."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ImportRefused("the file is not UTF-8 text") from None
    check_json_depth(text)
    try:
        return json.loads(text, **kwargs)
    except json.JSONDecodeError as exc:
        raise ImportRefused(f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") from None


def column_problem(headers, *, required, known) -> str | None:
    """'missing column: currency; unknown column: curr', or None when the header is right."""
    headers = [str(h).strip() for h in headers or [] if h is not None and str(h).strip()]
    missing = [c for c in required if c not in headers]
    unknown = [h for h in headers if h not in known]
    parts = []
    if missing:
        parts.append(f"missing column{'s' if len(missing) > 1 else ''}: {', '.join(missing)}")
    if unknown:
        parts.append(f"unknown column{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}")
    if not parts:
        return None
    return "; ".join(parts) + f" (expected columns: {', '.join(known)})"
