"""Reading the environment for ``bizops.settings``: one value at a time, and
a missing or malformed one stops start-up with one line naming it
(``sys.exit`` with a message), whatever the entry point: manage.py, gunicorn,
the Celery worker or beat."""

import math
import re
import sys
from decimal import Decimal, InvalidOperation

import environ

_env = environ.Env()
_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off", ""}
# A newline in a token makes requests refuse the header and quote the token in
# its error, which then travels into stored errors and reports: refuse it here.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def fail(message: str) -> None:
    sys.exit(f"bizops: configuration error: {message}")


def strict_bool(value) -> bool:
    """django-environ reads any unknown word as False; a typo here should stop start-up."""
    text = str(value).strip().lower()
    if text not in _TRUE | _FALSE:
        raise ValueError(f"{value!r} is not a boolean (use 1/0, true/false, yes/no, on/off)")
    return text in _TRUE


def decimal(value) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a number") from None
    if not number.is_finite():
        raise ValueError(f"{value!r} is not a number")
    return number


def _check_text(name: str, value) -> None:
    """Refuse control characters and surrounding blanks, without quoting the value (it may be a secret)."""
    if isinstance(value, list):
        if any(not str(item).strip() for item in value):
            fail(f"{name} has a blank entry (a stray comma or space); list values separated by commas")
        for item in value:
            _check_text(name, item)
    elif isinstance(value, str):
        if _CONTROL.search(value):
            fail(f"{name} contains a control character (a newline, tab or the like); remove it")
        if value != value.strip():
            fail(f"{name} has spaces around a value; remove them")


def read(name: str, cast=str, **kwargs):
    """Read one variable; without a default it is required and must not be empty."""
    if cast is bool:
        cast = strict_bool
    try:
        value = _env.get_value(name, cast=cast, **kwargs)
        if cast in (str, list):
            _check_text(name, value)
        if "default" not in kwargs and value in ("", []):
            raise environ.ImproperlyConfigured(name)
        return value
    except environ.ImproperlyConfigured:
        fail(f"{name} is required (set it in the environment or in .env)")
    except (ValueError, TypeError) as exc:
        fail(f"{name} is malformed: {exc}")


def check_bounds(values: dict, bounds: dict) -> None:
    """Stop start-up when a number in ``values`` lies outside its ``(lowest, highest)`` in ``bounds``.

    ``None`` leaves a side open. Read once from the environment, these numbers
    would otherwise fail much later, in the middle of a job.
    """
    for name, (lowest, highest) in bounds.items():
        value = values[name]
        if isinstance(value, float) and not math.isfinite(value):
            fail(f"{name}={value} must be a finite number")
        if lowest is not None and highest is not None:
            if not lowest <= value <= highest:
                fail(f"{name}={value} must be between {lowest} and {highest}")
        elif lowest is not None and not value >= lowest:
            fail(f"{name}={value} must be at least {lowest}")
        elif highest is not None and not value <= highest:
            fail(f"{name}={value} must be at most {highest}")
