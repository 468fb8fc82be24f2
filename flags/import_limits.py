"""How big a flags import may be, checked before a file is parsed or a row validated.

An import is checked whole and written in one transaction, so its size is
bounded: at most ``FLAGS_IMPORT_MAX_ROWS`` flags and ``FLAGS_IMPORT_MAX_BYTES``
bytes per file. Each refusal is one line that names the limit.
"""

import json
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError


def check_file_size(size: int) -> None:
    limit = settings.FLAGS_IMPORT_MAX_BYTES
    if size > limit:
        raise ValidationError(
            f"the file is {size:,} bytes; the limit is {limit:,} bytes per import "
            "(FLAGS_IMPORT_MAX_BYTES): split it into smaller files"
        )


def check_rows(count: int) -> None:
    limit = settings.FLAGS_IMPORT_MAX_ROWS
    if count > limit:
        raise ValidationError(
            f"the file has {count:,} flags; the limit is {limit:,} flags per import "
            "(FLAGS_IMPORT_MAX_ROWS): split it into smaller files"
        )


def load_json(text: str) -> Any:
    """Parsed JSON, or a one-line ``ValidationError`` (bad syntax, or nested too deeply to parse)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(f"not valid JSON: {exc.msg} (line {exc.lineno})") from None
    except RecursionError:
        raise ValidationError("not a flags file: its JSON is nested too deeply to read") from None
