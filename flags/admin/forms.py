import json

from django import forms
from django.db import models
from django.forms.fields import InvalidJSONInput


class PrettyJSONField(forms.JSONField):
    """JSON shown indented, so rules and variants read like the documentation."""

    def prepare_value(self, value):
        if isinstance(value, InvalidJSONInput):
            return value
        return json.dumps(value, ensure_ascii=False, indent=2, cls=self.encoder)


JSON_OVERRIDES = {
    models.JSONField: {
        "form_class": PrettyJSONField,
        "widget": forms.Textarea(
            attrs={"rows": 10, "cols": 90, "class": "vLargeTextField", "spellcheck": "false"}
        ),
    }
}
