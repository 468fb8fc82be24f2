"""Flags in and out: CSV and JSON through django-import-export (admin and command).

The columns start with the original plan's ``flags.json`` shape (key,
description, enabled, rollout) and add what round-trips a flag exactly (type,
owner, value_type, default_value, rules). A file of only the plan's columns is
enough: ``rollout`` becomes the flag's rules (0: none; 100: on for everyone;
otherwise a percentage rollout of ``true``). When a row has ``rules``, they win
and ``rollout`` is only informative. Every row is checked before anything is
written (unknown type, bad rules, a percentage outside 0-100, a key twice in the
file...) and the import is all or nothing.
"""

import json

import tablib
from django.core.exceptions import ValidationError
from import_export import fields, resources, widgets
from import_export.formats.base_formats import JSON

from bizops.resources import ChoiceWidget, OwnerWidget, UniqueKeyInFile
from bizops.spreadsheet import SpreadsheetSafeResource
from flags.models import Flag

TRUE_WORDS, FALSE_WORDS = {"true", "1", "yes", "on"}, {"false", "0", "no", "off", ""}
JSON_COLUMNS = ("default_value", "rules")


class BooleanWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        if isinstance(value, bool):
            return value
        text = str(value if value is not None else "").strip().lower()
        if text in TRUE_WORDS | FALSE_WORDS:
            return text in TRUE_WORDS
        raise ValueError(f"{value!r} is not true or false")

    def render(self, value, obj=None, **kwargs):
        return bool(value)


class JSONValueWidget(widgets.Widget):
    """A JSON value: native in JSON files, JSON text in CSV cells."""

    def clean(self, value, row=None, **kwargs):
        if not isinstance(value, str):
            return value
        if not value.strip():
            return None
        try:
            return json.loads(value)
        except json.JSONDecodeError as exc:
            raise ValueError(f"is not valid JSON: {exc.msg} at character {exc.pos}") from None

    def render(self, value, obj=None, **kwargs):
        return json.dumps(value, ensure_ascii=False)


class RolloutWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        try:
            number = float(value) if not isinstance(value, int | float) or isinstance(value, bool) else value
        except ValueError:
            raise ValueError(f"{value!r} is not a percentage") from None
        if isinstance(value, bool) or not 0 <= number <= 100:
            raise ValueError(f"{value!r} is outside 0 to 100")
        return int(number) if float(number).is_integer() else number

    def render(self, value, obj=None, **kwargs):
        return value


def dataset_from_rows(data) -> tablib.Dataset:
    """A dataset from parsed flags.json (a list of flags, or {"flags": [...]})."""
    if isinstance(data, dict) and isinstance(data.get("flags"), list):
        data = data["flags"]
    if not isinstance(data, list) or not all(isinstance(row, dict) for row in data):
        raise ValidationError('expected a list of flags like [{"key": ..., "enabled": ...}]')
    headers = list(dict.fromkeys(column for row in data for column in row))
    dataset = tablib.Dataset(headers=headers)
    for row in data:
        # Native JSON in the file; the resource reads JSON text in these columns.
        dataset.append(
            [
                json.dumps(row.get(c)) if c in JSON_COLUMNS and row.get(c) is not None else row.get(c)
                for c in headers
            ]
        )
    return dataset


class FlagsJSON(JSON):
    """flags.json: rules and default values as JSON values, not as text."""

    def create_dataset(self, in_stream, **kwargs):
        try:
            return dataset_from_rows(json.loads(in_stream))
        except json.JSONDecodeError as exc:
            raise ValidationError(f"not valid JSON: {exc.msg} (line {exc.lineno})") from None

    def export_data(self, dataset, **kwargs):
        rows = dataset.dict
        for row in rows:
            for column in JSON_COLUMNS:
                if isinstance(row.get(column), str):
                    row[column] = json.loads(row[column])
        return json.dumps(rows, indent=2, ensure_ascii=False) + "\n"


def rules_for_rollout(rollout: float) -> list[dict]:
    if rollout == 0:
        return []
    if rollout == 100:
        return [{"value": True}]
    return [{"percentage": rollout, "value": True}]


class FlagResource(SpreadsheetSafeResource, UniqueKeyInFile, resources.ModelResource):
    key = fields.Field(attribute="key", column_name="key")
    description = fields.Field(attribute="description", column_name="description")
    enabled = fields.Field(attribute="enabled", column_name="enabled", widget=BooleanWidget())
    rollout = fields.Field(column_name="rollout", widget=RolloutWidget())
    kind = fields.Field(attribute="kind", column_name="type", widget=ChoiceWidget(Flag.Kind.choices))
    owner = fields.Field(attribute="owner", column_name="owner", widget=OwnerWidget())
    value_type = fields.Field(
        attribute="value_type", column_name="value_type", widget=ChoiceWidget(Flag.ValueType.choices)
    )
    default_value = fields.Field(
        attribute="default_value", column_name="default_value", widget=JSONValueWidget()
    )
    rules = fields.Field(attribute="rules", column_name="rules", widget=JSONValueWidget())

    class Meta:
        model = Flag
        import_id_fields = ["key"]
        fields = [
            "key",
            "description",
            "enabled",
            "rollout",
            "kind",
            "owner",
            "value_type",
            "default_value",
            "rules",
        ]
        export_order = fields
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True
        use_transactions = True

    def dehydrate_rollout(self, flag: Flag):
        return flag.rollout

    def before_import_row(self, row, **kwargs):
        super().before_import_row(row, **kwargs)
        for column in JSON_COLUMNS:
            if column in row and row[column] in (None, ""):
                del row[column]  # blank: keep the flag's current value (or the default)

    def import_instance(self, instance, row, **kwargs):
        super().import_instance(instance, row, **kwargs)
        rollout = self.fields["rollout"].clean(row) if "rollout" in row else None
        if "rules" not in row and rollout is not None and instance.rollout != rollout:
            instance.rules = rules_for_rollout(rollout)
            if instance.value_type != Flag.ValueType.BOOLEAN or instance.default_value not in (False, None):
                raise ValidationError({"rollout": "a rollout applies to boolean flags with a false default"})
        if instance.default_value is None:
            instance.default_value = False
