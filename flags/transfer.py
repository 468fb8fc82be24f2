"""All flags to and from a flags.json file (the original plan's shape) or CSV."""

import json
from pathlib import Path

import tablib
from django.core.exceptions import ValidationError

from bizops.spreadsheet import SafeCSV
from flags.resources import FlagResource, FlagsJSON, dataset_from_rows


def export_flags(path: Path) -> int:
    # CSV cells are escaped for spreadsheets (bizops.spreadsheet); JSON keeps text as stored.
    dataset = FlagResource().export(spreadsheet=path.suffix == ".csv")
    if path.suffix == ".csv":
        path.write_text(SafeCSV().export_data(dataset), encoding="utf-8")
    else:
        path.write_text(FlagsJSON().export_data(dataset), encoding="utf-8")
    return len(dataset)


def load_dataset(path: Path) -> tablib.Dataset:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".csv":
        return tablib.Dataset().load(text, format="csv")
    try:
        return dataset_from_rows(json.loads(text))
    except json.JSONDecodeError as exc:
        raise ValidationError(f"{path.name} is not valid JSON: {exc.msg} (line {exc.lineno})") from None


def import_flags(path: Path, *, dry_run: bool = False, user=None):
    """Check every row, then write all or nothing; returns the import result."""
    dataset = load_dataset(path)
    result = FlagResource().import_data(dataset, dry_run=True, raise_errors=False, user=user)
    problems = describe_errors(result)
    if problems:
        raise ValidationError(problems)
    if not dry_run:
        result = FlagResource().import_data(dataset, dry_run=False, raise_errors=True, user=user)
    return result


def describe_errors(result) -> list[str]:
    problems = [f"{error.error}" for error in result.base_errors]
    for row in result.invalid_rows:
        for field, messages in row.error_dict.items():
            problems += [f"row {row.number}, {field}: {message}" for message in messages]
    for number, errors in result.row_errors():
        problems += [f"row {number}: {error.error}" for error in errors]
    return problems
