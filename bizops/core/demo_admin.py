"""The demo's admin user: created once, never reset by seeding again.

Its generated password is kept in a file next to the SQLite demo database
(git-ignored, readable by its owner only) so that seeding again can print it
again. It is printed only while it still logs in: a password the person has
changed since is theirs and is neither shown nor reset.
"""

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model

KEPT_IN_FILE = ".demo-admin-password"


@dataclass
class DemoAdmin:
    username: str
    state: str  # "created", "password set" or "unchanged"
    password: str | None  # None when it cannot be shown

    def line(self, password_file: Path | None) -> str:
        if self.password is not None:
            return f"demo admin {self.state}: user {self.username!r} password {self.password!r}"
        if password_file is not None and password_file.exists():
            why = "it was changed after set-up, so it is not shown"
        else:
            why = "the one printed when it was first set up"
        return f"demo admin {self.state}: user {self.username!r}, password unchanged ({why})"


def default_password_file() -> Path | None:
    """``.demo-admin-password`` next to the SQLite database file; None for other databases."""
    database = settings.DATABASES["default"]
    name = str(database.get("NAME") or "")
    if (
        not database["ENGINE"].endswith("sqlite3")
        or not name
        or name == ":memory:"
        or name.startswith("file:")
    ):
        return None
    return Path(name).resolve().parent / KEPT_IN_FILE


def _read(path: Path | None) -> str | None:
    if path is None:
        return None
    try:
        return path.read_text(encoding="utf-8").strip() or None
    except FileNotFoundError:
        return None


def _keep(path: Path | None, password: str) -> None:
    if path is None:
        return
    # Created readable by its owner only, before the password is written into it.
    handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(handle, "w", encoding="utf-8") as file:
        file.write(password + "\n")


def ensure_admin(
    username: str, *, password: str | None = None, password_file: Path | None = None
) -> DemoAdmin:
    """Create the demo superuser if missing; set its password only when one is given.

    An existing user keeps everything a person may have changed: password,
    email, staff and superuser flags.
    """
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        password = password or secrets.token_urlsafe(12)
        get_user_model().objects.create_superuser(username, "admin@example.com", password)
        _keep(password_file, password)
        return DemoAdmin(username, "created", password)
    if password:
        user.set_password(password)
        user.save(update_fields=["password"])
        _keep(password_file, password)
        return DemoAdmin(username, "password set", password)
    kept = _read(password_file)
    return DemoAdmin(username, "unchanged", kept if kept and user.check_password(kept) else None)
