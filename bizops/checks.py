"""Settings checks: Django system checks tagged ``SETTINGS``, one ``checks.py`` per
app (the project-wide ones below), and the start-up gate that runs them.

``manage.py check`` runs them as any system check. Django itself runs checks
only for some commands (runserver, migrate, check), not for the others, nor
for gunicorn or Celery; ``refuse_bad_settings`` runs them from the ready() of
the ground app, which every process that sets Django up goes through, and
stops it with one line per error, each naming its setting. A message never
quotes a value that may be a secret.
"""

import math
import os
import re
import sys

from django.conf import settings
from django.core.checks import Error, register, run_checks
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import autodiscover_modules

SETTINGS = "settings"
# A newline in a token makes requests refuse the header and quote the token in
# its error, which then travels into stored errors and reports.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def refuse_bad_settings() -> None:
    """Exit with one line per settings error (all apps' ``checks.py``, however ordered)."""
    autodiscover_modules("checks")
    errors = [m for m in run_checks(tags=[SETTINGS]) if m.is_serious() and not m.is_silenced()]
    for error in errors:
        sys.stderr.write(f"bizops: configuration error: {error.msg} [{error.id}]\n")
    if errors:
        # gunicorn's code for a worker that failed to boot: its master then stops
        # instead of starting new workers forever (bizops.env.fail does the same).
        sys.exit(3)


def setting(name: str):
    """The setting's value, None if there is none."""
    try:
        return getattr(settings, name, None)
    except ImproperlyConfigured:  # Django refuses to hand out an empty SECRET_KEY
        return ""


def out_of_bounds(check_id: str, bounds: dict, values: dict | None = None) -> list[Error]:
    """An error for each number outside its ``(lowest, highest)`` (``None`` leaves a side open).

    ``values`` defaults to the settings of those names. Read once at start-up,
    these numbers would otherwise fail much later, in the middle of a job.
    """
    errors = []
    for name, (lowest, highest) in bounds.items():
        value = values[name] if values is not None else setting(name)
        if isinstance(value, float) and not math.isfinite(value):
            problem = "must be a finite number"
        elif lowest is not None and highest is not None and not lowest <= value <= highest:
            problem = f"must be between {lowest} and {highest}"
        elif highest is None and not value >= lowest:
            problem = f"must be at least {lowest}"
        elif lowest is None and not value <= highest:
            problem = f"must be at most {highest}"
        else:
            continue
        errors.append(Error(f"{name}={value} {problem}", id=check_id))
    return errors


@register(SETTINGS)
def required_in_production(app_configs, **kwargs) -> list[Error]:
    if settings.DEBUG:
        return []
    return [
        Error(f"{name} is required (set it in the environment or in .env)", id="bizops.E001")
        for name in ("SECRET_KEY", "ALLOWED_HOSTS")
        if not setting(name)
    ]


def _text_problem(value) -> str | None:
    if isinstance(value, list | tuple):
        if any(not str(item).strip() for item in value):
            return "has a blank entry (a stray comma or space); list values separated by commas"
        return next(filter(None, map(_text_problem, value)), None)
    if isinstance(value, str) and _CONTROL.search(value):
        return "contains a control character (a newline, tab or the like); remove it"
    if isinstance(value, str) and value != value.strip():
        return "has spaces around a value; remove them"
    return None


@register(SETTINGS)
def text_read_from_the_environment(app_configs, **kwargs) -> list[Error]:
    """Every text or list setting set in the environment (or .env), tokens included."""
    problems = ((name, _text_problem(setting(name))) for name in sorted(os.environ) if name.isupper())
    return [Error(f"{name} {problem}", id="bizops.E002") for name, problem in problems if problem]


@register(SETTINGS)
def project(app_configs, **kwargs) -> list[Error]:
    errors = []
    if not re.fullmatch(r"[A-Z]{3}", settings.REPORTING_CURRENCY):
        message = f"REPORTING_CURRENCY={settings.REPORTING_CURRENCY!r} is not an ISO 4217 code like USD"
        errors.append(Error(message, id="bizops.E003"))
    if settings.REDIS_URL and not re.match(r"(redis|rediss|unix)://", settings.REDIS_URL):
        # The message leaves the value out: it may carry a password.
        message = "REDIS_URL is malformed (expected redis://host:6379/0, rediss://... or unix://...)"
        errors.append(Error(message, id="bizops.E004"))
    return errors


@register(SETTINGS)
def numbers(app_configs, **kwargs) -> list[Error]:
    soft, hard = settings.CELERY_TASK_SOFT_TIME_LIMIT, settings.CELERY_TASK_TIME_LIMIT
    errors = out_of_bounds(
        "bizops.E005",
        {
            "CONN_MAX_AGE": (0, None),
            "CELERY_TASK_TIME_LIMIT": (1, None),
            "LOGIN_FAILURE_LIMIT": (1, None),
            "LOGIN_LOCKOUT_MINUTES": (1, None),
        },
        {
            "CONN_MAX_AGE": settings.DATABASES["default"]["CONN_MAX_AGE"],
            "CELERY_TASK_TIME_LIMIT": hard,
            "LOGIN_FAILURE_LIMIT": settings.LOGIN_FAILURE_LIMIT,
            "LOGIN_LOCKOUT_MINUTES": settings.LOGIN_LOCKOUT_MINUTES,
        },
    )
    if not 0 < soft < hard:
        message = (
            f"CELERY_TASK_SOFT_TIME_LIMIT={soft} must be above 0 and below "
            f"CELERY_TASK_TIME_LIMIT={hard} (it defaults to 60 s less)"
        )
        errors.append(Error(message, id="bizops.E006"))
    return errors


@register(SETTINGS)
def supabase(app_configs, **kwargs) -> list[Error]:
    errors = []
    if settings.SUPABASE_DB_URL and not re.match(r"(postgres|postgresql|pgsql)://", settings.SUPABASE_DB_URL):
        # The message leaves the value out: it would carry the password.
        message = "SUPABASE_DB_URL is malformed (expected postgres://user:password@host:5432/postgres)"
        errors.append(Error(message, id="bizops.E007"))
    for name in ("SUPABASE_SCHEMA", "SUPABASE_EXTENSIONS_SCHEMA"):
        if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", setting(name)):
            message = f"{name}={setting(name)!r} is not a plain lower-case schema name"
            errors.append(Error(message, id="bizops.E008"))
    extensions = settings.SUPABASE_REQUIRED_EXTENSIONS
    if "pgcrypto" not in extensions or not all(
        re.fullmatch(r"[a-z0-9_-]{1,63}", name) for name in extensions
    ):
        message = (
            f"SUPABASE_REQUIRED_EXTENSIONS={','.join(extensions)!r} must be extension names "
            "separated by commas, pgcrypto among them"
        )
        errors.append(Error(message, id="bizops.E009"))
    timeout = settings.SUPABASE_LOCK_TIMEOUT
    if not re.fullmatch(r"[1-9][0-9]*(ms|s|min)", timeout):
        message = f"SUPABASE_LOCK_TIMEOUT={timeout!r} is not a duration like 500ms, 5s or 1min"
        errors.append(Error(message, id="bizops.E010"))
    return errors
