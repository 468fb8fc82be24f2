"""Masking secrets in text: log records, stored job errors, reports.

Secrets are found three ways, so later code cannot leak one by accident:
- the values of configured secrets: environment variables and settings whose
  names say token, secret, password or key, also as they appear escaped by
  ``repr()`` (once or twice: an exception's message, then its repr) and
  URL-encoded, and each line of one holding a line break;
- passwords inside connection URLs (``postgres://user:PASSWORD@host``);
- tokens in well-known places: ``access_token=`` in query strings, bearer and
  provider token headers, ``"access_token": "..."`` in JSON.
"""

import logging
import os
import re
from urllib.parse import quote, quote_plus

from django.conf import settings

MASK = "[REDACTED]"
SECRET_NAME = re.compile(r"(TOKEN|SECRET|PASSWORD|PASSWD|API_KEY|PRIVATE_KEY|_KEY$)", re.I)
# Settings named like a secret that only name a form field (AXES_PASSWORD_FORM_FIELD
# is "password": masking it would hide the word in every message).
NOT_A_SECRET = re.compile(r"_FIELD$", re.I)
# Shorter values are too likely to be ordinary words or numbers.
MIN_SECRET_LENGTH = 6

_PATTERNS = [
    # access_token=..., token=..., key=... in query strings and form bodies
    (
        re.compile(
            r"(?i)\b((?:access_token|refresh_token|client_secret|api_key|apikey|password|token)=)[^&\s'\"#]+"
        ),
        rf"\1{MASK}",
    ),
    # Authorization: Bearer xxx, Access-Token: xxx, X-Shopify-Access-Token: xxx
    (
        re.compile(r"(?i)\b(authorization['\"]?\s*[:=]\s*['\"]?(?:bearer|basic|token)\s+)[^\s'\",}]+"),
        rf"\1{MASK}",
    ),
    (
        re.compile(r"(?i)\b((?:x-shopify-)?access-token['\"]?\s*[:=]\s*['\"]?)[^\s'\",}]+"),
        rf"\1{MASK}",
    ),
    # "access_token": "..." in JSON
    (
        re.compile(r"(?i)(\"(?:access_token|refresh_token|client_secret|password)\"\s*:\s*\")[^\"]*"),
        rf"\1{MASK}",
    ),
    # Standard Webhooks signing secrets (whsec_ + base64), wherever they turn up
    (re.compile(r"\b(whsec_)[A-Za-z0-9+/=]+"), rf"\1{MASK}"),
    # scheme://user:password@host; up to the last @ before the host, as URL
    # parsers read it: a password may hold a raw @ (p@ss@word)
    (re.compile(r"(\b[a-z][a-z0-9+.-]*://[^:/@\s]*:)([^\s/]+)(@)", re.I), rf"\1{MASK}\3"),
]


def _spellings(secret: str) -> set[str]:
    """The ways ``secret`` shows up in text: as is, escaped by repr(), URL-encoded, split by a line break."""
    escaped = secret.encode("unicode_escape").decode("ascii")
    forms = {
        secret,
        escaped,
        escaped.replace("\\", "\\\\"),
        repr(secret)[1:-1],
        quote(secret, safe=""),
        quote_plus(secret, safe=""),
    }
    forms |= {piece for piece in re.split(r"[\x00-\x1f\x7f]+", secret) if len(piece) >= MIN_SECRET_LENGTH}
    return {form for form in forms if len(form) >= MIN_SECRET_LENGTH}


def _secret_values() -> list[str]:
    values = {
        value
        for name, value in os.environ.items()
        if SECRET_NAME.search(name) and len(value) >= MIN_SECRET_LENGTH
    }
    if settings.configured:
        for name, value in vars(settings._wrapped).items():
            if (
                isinstance(value, str)
                and SECRET_NAME.search(name)
                and not NOT_A_SECRET.search(name)
                and len(value) >= MIN_SECRET_LENGTH
            ):
                values.add(value)
        for database in getattr(settings, "DATABASES", {}).values():
            password = database.get("PASSWORD") or ""
            if len(password) >= MIN_SECRET_LENGTH:
                values.add(password)
    spellings = set().union(*(_spellings(value) for value in values)) if values else set()
    # Longest first, so a secret containing another is masked whole.
    return sorted(spellings, key=len, reverse=True)


def redact(text: str) -> str:
    """Return ``text`` with every secret it contains masked."""
    if not text:
        return text
    for secret in _secret_values():
        if secret in text:
            text = text.replace(secret, MASK)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactSecretsFilter(logging.Filter):
    """A handler filter that rewrites each record with its secrets masked.

    The message is formatted here (``msg % args``) so a secret passed as an
    argument is caught too; tracebacks are formatted and masked the same way.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = str(record.msg)
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True
