"""Admin forms for bizops models."""

from django import forms
from django.utils.text import normalize_newlines

from bizops.core.models import BacklogTicket


class TypedTextField(forms.CharField):
    """Text as a person typed it, with the line endings browsers submit (CRLF) made ``\\n``.

    Normalising in ``to_python`` means ``has_changed`` compares the same form
    of the text too, so an untouched textarea is not reported as changed.
    """

    def to_python(self, value):
        value = super().to_python(value)
        return normalize_newlines(value) if value else value


TEXT_FIELDS = ["title", "target_week", "kpi", "target", "signal_30d", "acceptance_criteria", "body"]


class BacklogTicketForm(forms.ModelForm):
    class Meta:
        model = BacklogTicket
        fields = ["key", "priority", "status", "owner", "due_date", *TEXT_FIELDS]
        field_classes = dict.fromkeys(TEXT_FIELDS, TypedTextField)
