"""django-environ's ``Env`` for ``bizops.settings``, with one difference: a value
that cannot be read or cast (``ETL_BATCH_SIZE=abc``, ``DEBUG=maybe``) stops
start-up with one line naming it, whatever the entry point, instead of a
traceback. Whether a well-formed value makes sense is a system check's job
(each app's ``checks.py``), not this module's. The casts below are only for
values that must be right before any check can run (Django reads the time
zone, the log level and the database engine while it sets up) or that no
comparison can take (a NaN decimal).
"""

import sys
import zoneinfo

import environ

_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off", ""}


def fail(message: str) -> None:
    sys.stderr.write(f"bizops: configuration error: {message}\n")
    # gunicorn's code for a worker that failed to boot: its master then stops
    # instead of starting new workers forever.
    sys.exit(3)


def time_zone(value) -> str:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{value!r} is not an IANA time zone name") from None
    return value


def log_level(value) -> str:
    if value.upper() not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
        raise ValueError(f"{value!r} is not a log level (use DEBUG, INFO, WARNING, ERROR or CRITICAL)")
    return value.upper()


class Env(environ.Env):
    def get_value(self, var, cast=None, default=environ.Env.NOTSET, parse_default=False):
        try:
            return super().get_value(var, cast=cast, default=default, parse_default=parse_default)
        except environ.ImproperlyConfigured:
            fail(f"{var} is required (set it in the environment or in .env)")
        except (ValueError, TypeError, ArithmeticError) as exc:
            fail(f"{var} is malformed: {exc}")

    @classmethod
    def parse_value(cls, value, cast):
        # django-environ reads any unknown word as False; a typo here should stop start-up.
        if cast is bool and str(value).strip().lower() not in _TRUE | _FALSE:
            raise ValueError(f"{value!r} is not a boolean (use 1/0, true/false, yes/no, on/off)")
        return super().parse_value(value, cast)

    def db_url(self, var="DATABASE_URL", default=environ.Env.NOTSET, engine=None) -> dict:
        try:
            config = super().db_url(var, default=default, engine=engine)
        except (environ.ImproperlyConfigured, ValueError, KeyError):
            config = {}
        # bizops runs on PostgreSQL and SQLite only; Django imports the backend as it sets up.
        if config.get("ENGINE") not in {"django.db.backends.postgresql", "django.db.backends.sqlite3"}:
            # The message leaves the value out: it would carry the password.
            fail(f"{var} is malformed (expected e.g. postgres://user:password@host:5432/name)")
        return config

    db = db_url
