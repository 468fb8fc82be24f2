"""Masking secrets in text: log records, stored job errors, reports.

Secrets are found three ways, so later code cannot leak one by accident:
- the values of configured secrets: environment variables and settings whose
  names say token, secret, password or key;
- passwords inside connection URLs (``postgres://user:PASSWORD@host``);
- tokens in well-known places: ``access_token=`` in query strings, bearer and
  provider token headers, ``"access_token": "..."`` in JSON.
"""

import logging
import os
import re

from django.conf import settings

MASK = "[REDACTED]"
SECRET_NAME = re.compile(r"(TOKEN|SECRET|PASSWORD|PASSWD|API_KEY|PRIVATE_KEY|_KEY$)", re.I)
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
    # scheme://user:password@host
    (re.compile(r"(\b[a-z][a-z0-9+.-]*://[^:/@\s]*:)([^@\s/]+)(@)", re.I), rf"\1{MASK}\3"),
]


def _secret_values() -> list[str]:
    values = {
        value
        for name, value in os.environ.items()
        if SECRET_NAME.search(name) and len(value) >= MIN_SECRET_LENGTH
    }
    if settings.configured:
        for name, value in vars(settings._wrapped).items():
            if isinstance(value, str) and SECRET_NAME.search(name) and len(value) >= MIN_SECRET_LENGTH:
                values.add(value)
        for database in getattr(settings, "DATABASES", {}).values():
            password = database.get("PASSWORD") or ""
            if len(password) >= MIN_SECRET_LENGTH:
                values.add(password)
    # Longest first, so a secret containing another is masked whole.
    return sorted(values, key=len, reverse=True)


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
