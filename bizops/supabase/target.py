"""Which database the commands work on, connecting to it, and applying a delta.

The URL comes from ``--database-url``, else ``SUPABASE_DB_URL``, else
``DATABASE_URL``. No message is ever built from the URL itself: a database is
described by name, host, port and user, and every error text passes through
``redact()`` with the password masked as well.
"""

import os
from dataclasses import dataclass, field
from urllib.parse import quote, unquote

import psycopg
from django.conf import settings
from psycopg.conninfo import conninfo_to_dict

from bizops.redaction import MASK, redact

SCHEMES = ("postgres://", "postgresql://", "pgsql://")
CONNECT_TIMEOUT = 10


class TargetError(Exception):
    """The database cannot be reached or used; the message is safe to print."""


@dataclass(frozen=True)
class Target:
    source: str  # where the URL came from
    dbname: str
    host: str
    port: str
    user: str
    conninfo: str = field(repr=False)
    password: str = field(default="", repr=False)

    def describe(self) -> str:
        return f"database {self.dbname} on {self.host}:{self.port} as {self.user}"

    def mask(self, text: str) -> str:
        text = redact(text)
        if len(self.password) >= 3:
            for form in {self.password, quote(self.password, safe="")}:
                text = text.replace(form, MASK)
        return text


def resolve(explicit: str | None = None) -> Target:
    for source, url in (
        ("--database-url", explicit),
        ("SUPABASE_DB_URL", settings.SUPABASE_DB_URL),
        ("DATABASE_URL", os.environ.get("DATABASE_URL", "")),
    ):
        if url:
            return _parse(source, url)
    raise TargetError("no database to work on: pass --database-url, or set SUPABASE_DB_URL or DATABASE_URL")


def _parse(source: str, url: str) -> Target:
    if not url.startswith(SCHEMES):
        raise TargetError(
            f"{source} is not a PostgreSQL URL (expected postgres://user:password@host:5432/name)"
        )
    conninfo = "postgresql://" + _encode_userinfo(url.split("://", 1)[1])
    try:
        parts = conninfo_to_dict(conninfo)
    except psycopg.ProgrammingError:
        # psycopg's message may quote the URL: leave it out.
        raise TargetError(
            f"{source} is malformed (expected postgres://user:password@host:5432/name)"
        ) from None
    return Target(
        source=source,
        dbname=str(parts.get("dbname") or parts.get("user") or os.environ.get("USER", "")),
        host=str(parts.get("host") or "local socket"),
        port=str(parts.get("port") or 5432),
        user=str(parts.get("user") or os.environ.get("USER", "")),
        conninfo=conninfo,
        password=str(parts.get("password") or ""),
    )


def _encode_userinfo(rest: str) -> str:
    """Percent-encode a user and password written raw (``user:p@ss@word@host/db``).

    libpq splits at the first ``@``, so a raw ``@`` in a password would make the
    rest of the password part of the host name, and of every message quoting it.
    URL parsers split at the last ``@`` before the path; so does this.
    """
    authority, slash, path = rest.partition("/")
    if authority.count("@") < 2:
        return rest
    userinfo, host = authority.rsplit("@", 1)
    user, colon, password = userinfo.partition(":")
    encoded = quote(unquote(user), safe="") + colon + quote(unquote(password), safe="")
    return f"{encoded}@{host}{slash}{path}"


def connect(target: Target, purpose: str) -> psycopg.Connection:
    try:
        return psycopg.connect(
            target.conninfo,
            autocommit=True,
            connect_timeout=CONNECT_TIMEOUT,
            # No server-side prepared statements: Supabase's pooler (transaction
            # mode) cannot keep them between transactions.
            prepare_threshold=None,
            application_name=f"bizops {purpose}",
        )
    except psycopg.Error as exc:
        raise TargetError(
            f"cannot connect to {target.describe()}: {first_line(target.mask(str(exc)))}"
        ) from None


def first_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[0] if lines else "no message"


class ApplyError(Exception):
    """Applying a delta failed; it was rolled back whole."""


def apply(conn: psycopg.Connection, sql: str, target: Target, lock_timeout: str) -> None:
    """Run a rendered delta (it holds its own BEGIN and COMMIT) on ``conn``.

    The whole text goes as one simple query, exactly as written to the file;
    on any error the transaction is rolled back and nothing is changed.
    """
    try:
        conn.execute(sql.encode())
    except psycopg.Error as exc:
        if not conn.closed:
            conn.execute("ROLLBACK")
        if exc.sqlstate == "55P03":
            raise ApplyError(
                f"gave up waiting for a lock after {lock_timeout} (SUPABASE_LOCK_TIMEOUT): another session "
                f"holds a lock on a table the delta changes; nothing was changed in {target.describe()}"
            ) from None
        message = first_line(target.mask(str(exc)))
        raise ApplyError(f"the delta failed and was rolled back, nothing changed: {message}") from None
