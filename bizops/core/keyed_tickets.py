"""Backlog tickets kept in step with what a job finds, keyed by the finding.

A job (the business audit, the health sweep) says which tickets it wants now,
each under a stable key that starts with the job's own prefix::

    sync("audit-", [TicketSpec(key="audit-blended-cac", title=..., kpi=...)], "the business audit")

and ``sync`` makes the backlog agree, in one transaction:

- a wanted key without a ticket: the ticket is **created** (and ``ticket.created``
  emitted in the same transaction) with the spec's
  status and priority, owned by the spec's user (looked up by username; an
  unknown name leaves it unowned and the body says so);
- a wanted key whose ticket is open: its title, KPI, target, 30-day signal and
  generated body are **updated** when they changed. Status, priority and owner
  are the team's once the ticket exists (an empty owner is filled in);
- a wanted key whose ticket is done: **reopened** to the spec's status, with a
  dated note;
- an open ticket under the prefix whose key is no longer wanted (and not in
  ``keep``): **closed** (done) with a dated note giving the reason.

Notes are appended under the generated body and survive updates, so the
ticket tells its own story. Running ``sync`` twice with the same specs
changes nothing the second time.
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from bizops.core.models import BacklogTicket
from bizops.events.outbox import admin_path, emit

NOTES_HEADING = "\n\n#### Notes\n"
DONE = BacklogTicket.Status.DONE


@dataclass(frozen=True)
class TicketSpec:
    key: str
    title: str
    priority: str = BacklogTicket.Priority.P2
    status: str = BacklogTicket.Status.READY
    owner: str = ""  # a username
    kpi: str = ""
    target: str = ""
    signal_30d: str = ""
    body: str = ""


def _split(body: str) -> tuple[str, str]:
    generated, _, notes = body.partition(NOTES_HEADING)
    return generated, notes


def _with_note(body: str, text: str) -> str:
    generated, notes = _split(body)
    stamp = f"{timezone.localtime():%Y-%m-%d %H:%M %Z}"
    kept = notes.rstrip("\n") + "\n" if notes.strip() else ""
    return f"{generated}{NOTES_HEADING}{kept}- {stamp}: {text}\n"


def _validate(prefix: str, specs: list[TicketSpec]) -> None:
    if not prefix:
        raise ValueError("a keyed ticket prefix must not be empty (it decides which tickets sync may close)")
    seen = set()
    for spec in specs:
        if not spec.key.startswith(prefix):
            raise ValueError(f"ticket key {spec.key!r} does not start with the prefix {prefix!r}")
        if spec.key in seen:
            raise ValueError(f"ticket key {spec.key!r} is wanted twice")
        if len(spec.key) > BacklogTicket._meta.get_field("key").max_length:
            raise ValueError(f"ticket key {spec.key!r} is longer than a backlog key may be")
        seen.add(spec.key)


@transaction.atomic
def sync(
    prefix: str,
    specs: list[TicketSpec],
    source_label: str,
    *,
    keep: set[str] | frozenset[str] = frozenset(),
    close_reasons: dict[str, str] | None = None,
) -> dict[str, int]:
    """Make the open tickets under ``prefix`` match ``specs``; counts of what happened.

    ``keep``: keys that are not wanted as specs now but must not be closed
    (still found, only out of the top). ``close_reasons``: key -> why it is
    closed, written in the note (default: ``source_label`` no longer finds it).
    """
    _validate(prefix, specs)
    close_reasons = close_reasons or {}
    counts = {"created": 0, "updated": 0, "reopened": 0, "closed": 0, "unchanged": 0}
    usernames = {spec.owner for spec in specs if spec.owner}
    users = {u.username: u for u in get_user_model().objects.filter(username__in=usernames)}
    existing = {t.key: t for t in BacklogTicket.objects.select_for_update().filter(key__startswith=prefix)}
    for spec in specs:
        ticket = existing.get(spec.key)
        owner = users.get(spec.owner)
        body = spec.body
        if spec.owner and owner is None:
            body = f"{body}\n\n(Owner {spec.owner!r} has no user account: assign one.)".strip()
        fields = {
            "title": spec.title[:200],
            "kpi": spec.kpi[:200],
            "target": spec.target[:200],
            "signal_30d": spec.signal_30d,
        }
        if ticket is None:
            created = BacklogTicket.objects.create(
                key=spec.key, priority=spec.priority, status=spec.status, owner=owner, body=body, **fields
            )
            emit(
                "ticket.created",
                {
                    "ticket": created.key,
                    "title": created.title,
                    "priority": created.priority,
                    "source": source_label,
                    "admin_path": admin_path(created),
                },
            )
            counts["created"] += 1
            continue
        generated, notes = _split(ticket.body)
        changed = generated != body or any(getattr(ticket, name) != value for name, value in fields.items())
        for name, value in fields.items():
            setattr(ticket, name, value)
        ticket.body = f"{body}{NOTES_HEADING}{notes}" if notes else body
        if ticket.owner_id is None and owner is not None:
            ticket.owner, changed = owner, True
        if ticket.status == DONE:
            ticket.status = spec.status
            ticket.body = _with_note(ticket.body, f"reopened: {source_label} wants this again")
            counts["reopened"] += 1
        elif changed:
            counts["updated"] += 1
        else:
            counts["unchanged"] += 1
            continue
        ticket.save()
    wanted = {spec.key for spec in specs} | set(keep)
    for key, ticket in sorted(existing.items()):
        if key in wanted or ticket.status == DONE:
            continue
        reason = close_reasons.get(key) or f"{source_label} no longer finds this"
        ticket.status = DONE
        ticket.body = _with_note(ticket.body, f"closed: {reason}")
        ticket.save()
        counts["closed"] += 1
    return counts
