"""Recording due scheduled changes on their flags.

The snapshot already serves a due change on the second; this makes it part of
the flag (and of its change log, under the name of whoever scheduled it).
"""

from django.db import transaction
from django.utils import timezone

from flags import events
from flags.models import ScheduledChange


def apply_due(now=None) -> int:
    now = now or timezone.now()
    applied = 0
    with transaction.atomic():
        due = (
            ScheduledChange.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("flag", "created_by")
            .filter(applied_at=None, at__lte=now)
            .order_by("at", "pk")
        )
        for change in due:
            flag = change.flag
            if flag.enabled != change.enabled:
                flag.enabled = change.enabled
                flag._change_reason = f"Scheduled change #{change.pk} ({change.note or 'no note'})"
                flag._history_user = change.created_by
                flag.save()
                events.changed(flag, "scheduled", change.created_by)
            change.applied_at = now
            change.save(update_fields=["applied_at"])
            applied += 1
    return applied
