"""The admin's History page (django-simple-history) for our models."""

from simple_history.admin import SimpleHistoryAdmin


class HistoryAdmin(SimpleHistoryAdmin):
    """The History page shows an empty cell, not "None", for a change made without a reason."""

    def set_history_delta_changes(self, request, historical_records, *args, **kwargs):
        super().set_history_delta_changes(request, historical_records, *args, **kwargs)
        # The page iterates these same records (Paginator's page keeps them in a list).
        for record in historical_records:
            if record.history_change_reason is None:
                record.history_change_reason = ""
