"""Reading the environment for ``bizops.settings``: one value at a time, and
a missing or malformed one stops start-up with one line naming it
(``sys.exit`` with a message), whatever the entry point: manage.py, gunicorn,
the Celery worker or beat."""

import sys
from decimal import Decimal, InvalidOperation

import environ

_env = environ.Env()
_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off", ""}


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


def read(name: str, cast=str, **kwargs):
    """Read one variable; without a default it is required and must not be empty."""
    if cast is bool:
        cast = strict_bool
    try:
        value = _env.get_value(name, cast=cast, **kwargs)
        if "default" not in kwargs and value in ("", []):
            raise environ.ImproperlyConfigured(name)
        return value
    except environ.ImproperlyConfigured:
        fail(f"{name} is required (set it in the environment or in .env)")
    except (ValueError, TypeError) as exc:
        fail(f"{name} is malformed: {exc}")
