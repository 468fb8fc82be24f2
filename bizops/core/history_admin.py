"""The admin's History page (django-simple-history) for our models."""

from simple_history.admin import SimpleHistoryAdmin

NO_USER = "system"


class _NoUser:
    """Stands in for the user of a change no person made (a task, a command, a migration)."""

    pk = None

    def __bool__(self) -> bool:
        return True

    def __str__(self) -> str:
        return NO_USER


class HistoryAdmin(SimpleHistoryAdmin):
    """The History page reads plainly where a change has no reason or no user.

    The library's page prints a literal "None" for both. A missing reason is
    shown as an empty cell; a change no signed-in person made (a task, a
    command, a migration) is shown as made by "system".
    """

    def set_history_delta_changes(self, request, historical_records, *args, **kwargs):
        super().set_history_delta_changes(request, historical_records, *args, **kwargs)
        # The page iterates these same records (Paginator's page keeps them in a list).
        for record in historical_records:
            if record.history_change_reason is None:
                record.history_change_reason = ""
            if record.history_user_id is None:
                # The relation's cache is what the template's record.history_user reads; a
                # plain assignment would insist on a User.
                record._state.fields_cache["history_user"] = _NoUser()
