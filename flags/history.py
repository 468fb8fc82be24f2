"""Reverting a flag or an experiment to an earlier version, in one action.

The revert is itself a change: saved with who did it, so it shows in the
change log (and can be reverted in turn), and it bumps the flags' version.
"""

from django.core.exceptions import ValidationError
from django.db import transaction

from flags import events
from flags.models import Flag


def tracked_fields(model) -> list:
    """The editable fields history keeps (the excluded ones, like usage stamps, stay as they are)."""
    recorded = {f.attname for f in model.history.model._meta.fields}
    return [
        f for f in model._meta.concrete_fields if not f.primary_key and f.editable and f.attname in recorded
    ]


def revert(obj, history_id: int, user=None):
    """Put ``obj`` back as it was in history record ``history_id``; raises
    ``ValidationError`` when that version is no longer valid (e.g. its rules
    name an experiment that was deleted)."""
    record = obj.history.filter(pk=history_id).first()
    if record is None:
        raise ValidationError(f"version {history_id} is not in the history of {obj}")
    for field in tracked_fields(type(obj)):
        setattr(obj, field.attname, getattr(record, field.attname))
    obj.full_clean()
    obj._change_reason = f"Reverted to the version of {record.history_date:%Y-%m-%d %H:%M:%S %Z}"
    if user is not None:
        obj._history_user = user
    with transaction.atomic():
        obj.save()
        if isinstance(obj, Flag):
            events.changed(obj, "reverted", user)
    return obj
