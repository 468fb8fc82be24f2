"""Admin bulk actions that set one field on each selected object."""

from collections.abc import Callable

from django.contrib import admin, messages
from django.db import transaction


def set_field_action(
    *,
    name: str,
    field: str,
    value,
    description: str,
    permission: str,
    done: str,
    on_change: Callable | None = None,
):
    """An action setting ``field`` to ``value``; ``done`` is formatted with the count changed.

    One save per object, not ``queryset.update()``: each change lands in the
    object's history with who made it, and ``save()`` keeps derived fields right.
    ``on_change(request, obj)`` runs after each save, in the same transaction
    (an app's event, say).
    """

    @admin.action(description=description, permissions=[permission])
    def action(modeladmin, request, queryset):
        changed = 0
        with transaction.atomic():
            for obj in queryset.exclude(**{field: value}):
                setattr(obj, field, value)
                obj.save()
                if on_change is not None:
                    on_change(request, obj)
                changed += 1
        modeladmin.message_user(request, done.format(count=changed), messages.SUCCESS)

    action.__name__ = name
    return action
