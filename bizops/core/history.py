"""A ticket's change log, read from its django-simple-history records."""

from dataclasses import dataclass

from django.utils.text import normalize_newlines


@dataclass
class Change:
    when: object
    who: str
    kind: str
    fields: list[tuple[str, object, object]]
    history_id: int | None = None


def _shown(obj, field_name: str, value):
    """Foreign keys are stored as ids in history; show the related object instead."""
    field = obj._meta.get_field(field_name)
    if field.is_relation and value is not None:
        related = field.related_model._default_manager.filter(pk=value).first()
        return str(related) if related else f"#{value} (deleted)"
    return value


def _really_changed(old, new) -> bool:
    # Text saved before the admin form normalised line endings holds CRLF; the
    # first save after that rewrites only the line endings, which nobody typed.
    if isinstance(old, str) and isinstance(new, str):
        return normalize_newlines(old) != normalize_newlines(new)
    return old != new


def change_log(obj, limit: int = 50) -> list[Change]:
    """Newest first: who changed what, from which value to which."""
    records = list(obj.history.select_related("history_user").order_by("-history_date")[: limit + 1])
    changes = []
    for record, previous in zip(records, [*records[1:], None], strict=True):
        if len(changes) == limit:
            break
        diffs = []
        if previous is not None:
            delta = record.diff_against(previous)
            diffs = [
                (c.field, _shown(obj, c.field, c.old), _shown(obj, c.field, c.new))
                for c in delta.changes
                if _really_changed(c.old, c.new)
            ]
        changes.append(
            Change(
                when=record.history_date,
                who=record.history_user.get_username() if record.history_user else "system",
                kind=record.get_history_type_display(),
                fields=diffs,
                history_id=record.pk,
            )
        )
    return changes
