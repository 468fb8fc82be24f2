"""django-import-export resource for backlog tickets (admin import and export).

A file is checked row by row before anything is written: an unknown priority
or status, an unknown owner, or a key repeated in the file marks its row
invalid with the reason, and the whole import is rolled back.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from import_export import fields, resources, widgets

from bizops.core.models import BacklogTicket
from bizops.core.spreadsheet import SpreadsheetSafeResource


def normalise_choice(value: str, choices) -> str:
    """Accept a code in any case or its label ("In progress" -> "in_progress")."""
    text = str(value or "").strip()
    wanted = text.lower().replace(" ", "_").replace("-", "_")
    for code, label in choices:
        if wanted in (code.lower(), label.lower().replace(" ", "_")):
            return code
    allowed = ", ".join(code for code, _ in choices)
    raise ValueError(f"unknown value {text!r}; expected one of {allowed}")


class ChoiceWidget(widgets.Widget):
    def __init__(self, choices, **kwargs):
        self.choices = choices
        super().__init__(**kwargs)

    def clean(self, value, row=None, **kwargs):
        return normalise_choice(value, self.choices)


class OwnerWidget(widgets.ForeignKeyWidget):
    """Owners travel as usernames; an unknown one names itself in the error."""

    def __init__(self, **kwargs):
        super().__init__(get_user_model(), field="username", **kwargs)

    def clean(self, value, row=None, **kwargs):
        username = str(value or "").strip()
        if not username:
            return None
        try:
            return self.model.objects.get(username=username)
        except self.model.DoesNotExist:
            raise ValueError(f"unknown owner {username!r}: no user has that username") from None


class UniqueKeyInFile:
    """Resource mixin: required columns present, and no key twice in one file.

    django-import-export would apply a repeated key's rows one over the
    other; here the second one is an error that names the first row.
    """

    required_columns: tuple[str, ...] = ("key",)

    def before_import(self, dataset, **kwargs):
        self._seen_keys: dict[str, int] = {}
        missing = set(self.required_columns) - set(dataset.headers or [])
        if missing:
            raise ValidationError(f"missing column(s): {', '.join(sorted(missing))}")
        super().before_import(dataset, **kwargs)

    def before_import_row(self, row, **kwargs):
        key = str(row.get("key") or "").strip()
        if key in self._seen_keys:
            raise ValidationError(
                {"key": f"duplicate key {key!r}: also on row {self._seen_keys[key]} of this file"}
            )
        self._seen_keys[key] = kwargs.get("row_number")
        super().before_import_row(row, **kwargs)


class BacklogTicketResource(SpreadsheetSafeResource, UniqueKeyInFile, resources.ModelResource):
    required_columns = ("key", "title")

    priority = fields.Field(
        attribute="priority", column_name="priority", widget=ChoiceWidget(BacklogTicket.Priority.choices)
    )
    status = fields.Field(
        attribute="status", column_name="status", widget=ChoiceWidget(BacklogTicket.Status.choices)
    )
    owner = fields.Field(attribute="owner", column_name="owner", widget=OwnerWidget())
    # Facts of this database: exported, never imported.
    created_at = fields.Field(
        attribute="created_at", column_name="created_at", readonly=True, widget=widgets.DateTimeWidget()
    )
    updated_at = fields.Field(
        attribute="updated_at", column_name="updated_at", readonly=True, widget=widgets.DateTimeWidget()
    )
    done_at = fields.Field(
        attribute="done_at", column_name="done_at", readonly=True, widget=widgets.DateTimeWidget()
    )

    class Meta:
        model = BacklogTicket
        import_id_fields = ["key"]
        fields = [
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
            "body",
            "created_at",
            "updated_at",
            "done_at",
        ]
        export_order = fields
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True
        use_transactions = True
