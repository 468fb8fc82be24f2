"""All flags to and from a flags.json file (the original plan's shape) or CSV."""

import csv
from pathlib import Path

import tablib
from django.core.exceptions import ValidationError

from bizops.core.spreadsheet import SafeCSV
from flags import import_limits
from flags.resources import FlagResource, FlagsJSON, dataset_from_rows


def export_flags(path: Path) -> int:
    # CSV cells are escaped for spreadsheets (bizops.core.spreadsheet); JSON keeps text as stored.
    dataset = FlagResource().export(spreadsheet=path.suffix == ".csv")
    if path.suffix == ".csv":
        path.write_text(SafeCSV().export_data(dataset), encoding="utf-8")
    else:
        path.write_text(FlagsJSON().export_data(dataset), encoding="utf-8")
    return len(dataset)


def load_dataset(path: Path) -> tablib.Dataset:
    """The file's rows, within the import limits; ``ValidationError`` says what is wrong in one line."""
    import_limits.check_file_size(path.stat().st_size)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ValidationError(f"{path.name} is not UTF-8 text") from None
    if path.suffix == ".csv":
        try:
            dataset = tablib.Dataset().load(text, format="csv")
        except csv.Error as exc:
            raise ValidationError(f"{path.name} is not valid CSV: {exc}") from None
    else:
        try:
            dataset = dataset_from_rows(import_limits.load_json(text))
        except ValidationError as exc:
            raise ValidationError(f"{path.name}: {exc.messages[0]}") from None
    import_limits.check_rows(len(dataset))
    return dataset


def import_flags(path: Path, *, dry_run: bool = False, user=None):
    """Check every row, then write all or nothing in one short step; returns the import result.

    One pass: rows are checked first and written in bulk only when all are
    valid (``FlagResource``), so a bad file writes nothing.
    """
    dataset = load_dataset(path)
    result = FlagResource(html_diffs=False).import_data(
        dataset,
        dry_run=dry_run,
        raise_errors=False,
        rollback_on_validation_errors=True,
        user=user,
        file_name=path.name,
    )
    problems = describe_errors(result)
    if problems:
        raise ValidationError(problems)
    return result


def describe_errors(result) -> list[str]:
    problems = [f"{error.error}" for error in result.base_errors]
    for row in result.invalid_rows:
        for field, messages in row.error_dict.items():
            problems += [f"row {row.number}, {field}: {message}" for message in messages]
    for number, errors in result.row_errors():
        problems += [f"row {number}: {error.error}" for error in errors]
    return problems
