"""flags' events (Automations): ``flag.changed`` wherever a flag changes, ``flag.stale``.

A flag changes in the admin (a save, a kill-switch action, a delete), by a
revert to an earlier version, by a scheduled change coming due, or by an
import. Each path calls ``changed`` (or ``imported``) in the transaction that
writes the flag, so the event commits with the change and only then.

``announce_stale`` runs with the health sweep's stale-flag check: a flag that
becomes stale alerts once (then reminds, ``ALERT_REMINDER_HOURS``), and one
that is no longer stale alerts anew next time.
"""

from bizops.events import flips
from bizops.events.outbox import admin_path, emit, emit_many


def _by(user) -> str:
    return user.get_username() if user is not None and user.is_authenticated else ""


def changed(flag, change: str, user=None) -> None:
    """``flag.changed`` for one flag: ``change`` is created, changed, deleted, reverted or scheduled."""
    payload = {"flag": flag.key, "change": change, "by": _by(user)}
    if change != "deleted" and flag.pk is not None:
        payload["admin_path"] = admin_path(flag)
    emit("flag.changed", payload)


def imported(flags, user=None) -> None:
    """``flag.changed`` (``imported``) for each flag an import wrote, in one INSERT."""
    by = _by(user)
    emit_many(
        "flag.changed",
        [{"flag": f.key, "change": "imported", "by": by, "admin_path": admin_path(f)} for f in flags],
    )


def announce_stale(stale: list) -> None:
    """``flag.stale`` once per flag that is stale now; a flag no longer stale may alert again."""
    for flag in stale:
        flips.flag_stale(flag.key, reason="; ".join(flag.stale_reasons()) or "stale")
    keys = {flag.key for flag in stale}
    for key in flips.down_keys("flag"):
        if key not in keys:
            flips.flag_fresh(key)
