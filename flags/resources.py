"""Flags in and out: CSV and JSON through django-import-export (admin and command).

The columns start with the original plan's ``flags.json`` shape (key,
description, enabled, rollout) and add what round-trips a flag exactly (type,
owner, value_type, default_value, rules). A file of only the plan's columns is
enough: ``rollout`` becomes the flag's rules (0: none; 100: on for everyone;
otherwise a percentage rollout of ``true``). When a row has ``rules``, they win
and ``rollout`` is only informative. Every row is checked before anything is
written (unknown type, bad rules, a percentage outside 0-100, a key twice in the
file...) and the import is all or nothing.

Imports are bulk (tens of thousands of flags took over 20 minutes row by row,
holding the flags' version row locked all along, so every flag save waited):
the flags, owners and experiments a file names are read in a few queries up
front, every row is checked with no query of its own, and only then are the
flags and their history written with bulk inserts and updates and the version
bumped once, at the very end of the transaction (``FlagResource``). The size of
a file is bounded (``flags.import_limits``).
"""

import copy
import json

import tablib
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.utils import timezone
from import_export import fields, resources, widgets
from import_export.formats.base_formats import JSON
from import_export.instance_loaders import BaseInstanceLoader
from simple_history.utils import bulk_create_with_history

from bizops.core.resources import ChoiceWidget, OwnerWidget, UniqueKeyInFile
from bizops.core.spreadsheet import SafeCSV, SpreadsheetSafeResource
from flags import events, import_limits, snapshot
from flags.models import Experiment, Flag

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
        except RecursionError:
            raise ValueError("is JSON nested too deeply to read") from None

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
        import_limits.check_file_size(len(in_stream))
        dataset = dataset_from_rows(import_limits.load_json(in_stream))
        import_limits.check_rows(len(dataset))
        return dataset

    def export_data(self, dataset, **kwargs):
        rows = dataset.dict
        for row in rows:
            for column in JSON_COLUMNS:
                if isinstance(row.get(column), str):
                    row[column] = json.loads(row[column])
        return json.dumps(rows, indent=2, ensure_ascii=False) + "\n"


class FlagsCSV(SafeCSV):
    """CSV within the import limits, written safe for spreadsheets (``SafeCSV``)."""

    def create_dataset(self, in_stream, **kwargs):
        import_limits.check_file_size(len(in_stream))
        dataset = super().create_dataset(in_stream, **kwargs)
        import_limits.check_rows(len(dataset))
        return dataset


def rules_for_rollout(rollout: float) -> list[dict]:
    if rollout == 0:
        return []
    if rollout == 100:
        return [{"value": True}]
    return [{"percentage": rollout, "value": True}]


class PreloadedOwnerWidget(OwnerWidget):
    """Owners read in one query per import (``preload``), not one per row."""

    users: dict | None = None

    def preload(self, usernames: set[str]) -> None:
        self.users = {user.username: user for user in self.model.objects.filter(username__in=usernames)}

    def clean(self, value, row=None, **kwargs):
        username = str(value or "").strip()
        if self.users is not None and username in self.users:
            return self.users[username]
        return super().clean(value, row, **kwargs)  # blank, or unknown: its error names it


class FlagLoader(BaseInstanceLoader):
    """The file's existing flags, read in a few queries instead of one per row."""

    CHUNK = 500  # keys per query: under every database's parameter limit

    def __init__(self, resource, dataset=None):
        super().__init__(resource, dataset)
        keys = sorted({str(key or "").strip() for key in dataset["key"]}) if "key" in dataset.headers else []
        self.flags = {}
        for start in range(0, len(keys), self.CHUNK):
            chunk = keys[start : start + self.CHUNK]
            self.flags.update((f.key, f) for f in Flag.objects.select_related("owner").filter(key__in=chunk))

    def get_instance(self, row):
        return self.flags.get(str(row.get("key") or "").strip())


HTML_DIFF_MAX_ROWS = 500

# What an import changes on an existing flag (bulk updates name their columns).
UPDATED_FIELDS = [
    "description",
    "enabled",
    "kind",
    "owner",
    "value_type",
    "default_value",
    "rules",
    "uniform_since",
    "updated_at",
]


class FlagResource(SpreadsheetSafeResource, UniqueKeyInFile, resources.ModelResource):
    key = fields.Field(attribute="key", column_name="key")
    description = fields.Field(attribute="description", column_name="description")
    enabled = fields.Field(attribute="enabled", column_name="enabled", widget=BooleanWidget())
    rollout = fields.Field(column_name="rollout", widget=RolloutWidget())
    kind = fields.Field(attribute="kind", column_name="type", widget=ChoiceWidget(Flag.Kind.choices))
    owner = fields.Field(attribute="owner", column_name="owner", widget=PreloadedOwnerWidget())
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
        use_bulk = True
        batch_size = None  # write nothing before every row is checked
        instance_loader_class = FlagLoader

    def dehydrate_rollout(self, flag: Flag):
        return flag.rollout

    def __init__(self, *, html_diffs: bool = True, **kwargs):
        super().__init__(**kwargs)
        self.html_diffs = html_diffs

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        if not self.html_diffs or len(dataset) > HTML_DIFF_MAX_ROWS:
            # A field-by-field diff costs about 12 ms a changed row: a big file's
            # preview lists its rows without one (and the command shows none).
            self._meta = copy.copy(self._meta)
            self._meta.skip_html_diff = True
        self._user = kwargs.get("user")
        self._file_name = kwargs.get("file_name") or "a file"
        self._written = 0
        if "owner" in dataset.headers:
            self.fields["owner"].widget.preload({str(name or "").strip() for name in dataset["owner"]})
        self._experiments = {e.key: e for e in Experiment.objects.only("key", "flag_id")}

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
        instance._known_experiments = self._experiments

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        # A key is unique in the file (UniqueKeyInFile) and an existing key
        # updates its flag (FlagLoader): no query per row to check it again.
        super().validate_instance(instance, import_validation_errors, validate_unique=False)

    def before_save_instance(self, instance, row, **kwargs):
        super().before_save_instance(instance, row, **kwargs)
        instance.track_uniform()  # bulk writes do not call Flag.save
        instance.updated_at = timezone.now()

    def _write(self, result, dry_run: bool) -> bool:
        """Whether to write now: not in a dry run, nor when any row is wrong (all or nothing)."""
        return not dry_run and not (result and (result.has_errors() or result.has_validation_errors()))

    def bulk_create(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        try:
            if self.create_instances and self._write(result, dry_run):
                bulk_create_with_history(
                    self.create_instances,
                    Flag,
                    batch_size=1000,
                    default_user=self._user,
                    default_change_reason=f"Imported from {self._file_name}",
                )
                events.imported(self.create_instances, self._user)
                self._written += len(self.create_instances)
        except DatabaseError as exc:  # e.g. a flag of the same key saved meanwhile
            self.handle_import_error(result, exc, raise_errors)
        finally:
            self.create_instances.clear()

    def bulk_update(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        # An upsert on the primary key: Django's bulk_update builds a CASE per
        # field and row, which took over a minute for 5,000 flags.
        try:
            if self.update_instances and self._write(result, dry_run):
                with transaction.atomic(savepoint=False):
                    Flag.objects.bulk_create(
                        self.update_instances,
                        batch_size=1000,
                        update_conflicts=True,
                        unique_fields=["id"],
                        update_fields=UPDATED_FIELDS,
                    )
                    Flag.history.bulk_history_create(
                        self.update_instances,
                        batch_size=1000,
                        update=True,
                        default_user=self._user,
                        default_change_reason=f"Imported from {self._file_name}",
                    )
                    events.imported(self.update_instances, self._user)
                self._written += len(self.update_instances)
        except DatabaseError as exc:  # e.g. a flag of the same key saved meanwhile
            self.handle_import_error(result, exc, raise_errors)
        finally:
            self.update_instances.clear()

    def after_import(self, dataset, result, **kwargs):
        # No super(): ModelResource resets the id sequence there, for files
        # that carry ids; these never do (bulk inserts draw from the sequence).
        if self._written:
            # Bulk writes send no post_save: bump once, last, so the version
            # row is locked only from here to the commit.
            snapshot.bump_version()
