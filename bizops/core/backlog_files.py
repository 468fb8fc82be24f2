"""Backlog tickets as Markdown files: YAML front matter for the fields, the body below.

Files are named ``<STATUS>_<key>.md`` (``READY_analytics_infrastructure.md``).
Import checks every file first and writes nothing if any file has a problem;
export then import gives back the same tickets.
"""

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import frontmatter
import yaml
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from bizops.core.imports import ImportRefused, check_rows, human_bytes, max_bytes
from bizops.core.models import BacklogTicket
from bizops.core.resources import normalise_choice

FIELDS = [
    "key",
    "title",
    "priority",
    "status",
    "owner",
    "target_week",
    "due_date",
    "kpi",
    "target",
    "signal_30d",
    "acceptance_criteria",
    "created_at",
    "done_at",
]
TEXT_FIELDS = ["title", "target_week", "kpi", "target", "signal_30d", "acceptance_criteria"]


class BacklogFileError(Exception):
    """One or more files could not be read; ``problems`` names each one."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    kept: int = 0


def filename_for(ticket: BacklogTicket) -> str:
    return f"{ticket.status.upper()}_{ticket.key}.md"


def _status_and_key_from_name(path: Path) -> tuple[str | None, str]:
    stem = path.stem
    for code in sorted(BacklogTicket.Status.values, key=len, reverse=True):
        prefix = f"{code.upper()}_"
        if stem.startswith(prefix):
            return code, stem[len(prefix) :]
    return None, stem


def _when(value, name: str):
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        parsed = value
    else:
        parsed = parse_datetime(str(value))
        if parsed is None:
            raise ValueError(f"{name}: {value!r} is not a date and time")
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


def _date(value):
    if value in (None, "") or isinstance(value, dt.date):
        return value or None
    parsed = parse_date(str(value))
    if parsed is None:
        raise ValueError(f"due_date: {value!r} is not a date (YYYY-MM-DD)")
    return parsed


def _read(path: Path, users: dict) -> dict:
    """Parse one file into field values; raises ValueError naming the problem."""
    try:
        post = frontmatter.load(path)
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ValueError(f"unreadable front matter: {exc}") from exc
    meta = dict(post.metadata)
    unknown = sorted(set(meta) - set(FIELDS))
    if unknown:
        raise ValueError(f"unknown field(s) {', '.join(unknown)}; known: {', '.join(FIELDS)}")
    name_status, name_key = _status_and_key_from_name(path)
    values = {"key": str(meta.get("key") or name_key).strip(), "body": post.content.strip()}
    if not values["key"]:
        raise ValueError("no key")
    if not meta.get("title"):
        raise ValueError("no title")
    for field in TEXT_FIELDS:
        values[field] = str(meta.get(field) or "").strip()
    values["priority"] = normalise_choice(meta.get("priority", "P2"), BacklogTicket.Priority.choices)
    values["status"] = normalise_choice(
        meta.get("status") or name_status or "draft", BacklogTicket.Status.choices
    )
    owner = str(meta.get("owner") or "").strip()
    if owner and owner not in users:
        raise ValueError(f"unknown owner {owner!r}: no user has that username")
    values["owner"] = users.get(owner)
    values["due_date"] = _date(meta.get("due_date"))
    values["created_at"] = _when(meta.get("created_at"), "created_at")
    values["done_at"] = _when(meta.get("done_at"), "done_at")
    return values


def _differs(current, new) -> bool:
    # Surrounding whitespace is not part of a ticket (editors add and trim it).
    if isinstance(current, str) and isinstance(new, str):
        return current.strip() != new.strip()
    return current != new


def import_dir(directory: Path, *, dry_run: bool = False, create_only: bool = False) -> ImportResult:
    """Create or update the tickets of ``directory``'s files, checked whole first.

    All files or none; ImportRefused when the folder is over IMPORT_MAX_ROWS files
    or IMPORT_MAX_BYTES.

    ``create_only`` (seeding) adds the tickets that are missing and leaves
    every existing one as the team left it, counted as ``kept``.
    """
    paths = sorted(Path(directory).glob("*.md"))
    if not paths:
        raise BacklogFileError([f"{directory}: no .md files"])
    check_rows(len(paths), noun="files", what="the folder")
    total = sum(path.stat().st_size for path in paths)
    if total > max_bytes():
        raise ImportRefused(
            f"the .md files total {human_bytes(total)}; at most {human_bytes(max_bytes())} per import"
        )
    users = {u.get_username(): u for u in get_user_model().objects.all()}
    parsed, problems, seen = [], [], {}
    for path in paths:
        try:
            values = _read(path, users)
        except ValueError as exc:
            problems.append(f"{path.name}: {exc}")
            continue
        if values["key"] in seen:
            problems.append(f"{path.name}: duplicate key {values['key']!r} (also in {seen[values['key']]})")
            continue
        seen[values["key"]] = path.name
        parsed.append(values)
    if problems:
        raise BacklogFileError(problems)

    result = ImportResult()
    with transaction.atomic():
        existing = BacklogTicket.objects.in_bulk([v["key"] for v in parsed], field_name="key")
        for values in parsed:
            ticket = existing.get(values["key"])
            if ticket is not None and create_only:
                result.kept += 1
                continue
            created_at = values.pop("created_at")
            if ticket is None:
                ticket = BacklogTicket(**values)
                if created_at:
                    ticket.created_at = created_at
                ticket.full_clean()
                ticket.save()
                result.created += 1
                continue
            done_at = values.pop("done_at")
            changed = [f for f, v in values.items() if _differs(getattr(ticket, f), v)]
            if not changed:
                result.unchanged += 1
                continue
            for field in changed:
                setattr(ticket, field, values[field])
            ticket.done_at = done_at or ticket.done_at
            ticket.full_clean()
            ticket.save()
            result.updated += 1
        if dry_run:
            transaction.set_rollback(True)
    return result


def _front_matter(ticket: BacklogTicket) -> dict:
    meta = {
        "key": ticket.key,
        "title": ticket.title,
        "priority": ticket.priority,
        "status": ticket.status,
        "owner": ticket.owner.get_username() if ticket.owner else "",
    }
    for field in ["target_week", "kpi", "target", "signal_30d", "acceptance_criteria"]:
        meta[field] = getattr(ticket, field)
    meta["due_date"] = ticket.due_date.isoformat() if ticket.due_date else ""
    meta["created_at"] = ticket.created_at.isoformat()
    meta["done_at"] = ticket.done_at.isoformat() if ticket.done_at else ""
    return meta


def export_dir(directory: Path, tickets=None) -> list[Path]:
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    tickets = tickets if tickets is not None else BacklogTicket.objects.select_related("owner")
    written = []
    for ticket in tickets:
        target = directory / filename_for(ticket)
        # A ticket that changed status since the last export leaves a file
        # under its old name: remove it so the folder holds one file per ticket.
        for status in BacklogTicket.Status.values:
            stale = directory / f"{status.upper()}_{ticket.key}.md"
            if stale != target and stale.exists():
                stale.unlink()
        post = frontmatter.Post(ticket.body.strip(), **_front_matter(ticket))
        target.write_text(frontmatter.dumps(post, sort_keys=False) + "\n", encoding="utf-8")
        written.append(target)
    return written
