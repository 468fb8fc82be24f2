"""The forecast job: run scenarios, write the report and, if asked, the files."""

import errno
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from bizops.core.models import Report
from finance import exports
from finance.models import ForecastRun, Scenario
from finance.report import write_report
from finance.services import ForecastInputError, run_forecasts
from health.jobs import JobSkipped, track_job
from health.models import JobRun

CSV_NAME = "finance_model.csv"
XLSX_NAME = "finance_model.xlsx"
MEMO_NAME = "forecast.md"
JOB = "finance.forecast"


class UnknownScenario(LookupError):
    pass


@dataclass
class ManualRun:
    """What running scenarios by hand gave: the runs, or why none was made."""

    runs: list[ForecastRun]
    problem: str = ""
    # The scenarios' inputs were refused (an error), rather than nothing to run or busy (a warning).
    refused: bool = False


def run_by_hand(scenarios, *, produced_by: str) -> ManualRun:
    """Run ``scenarios`` as one recorded ``finance.forecast`` job (trigger manual)."""
    scenarios = list(scenarios)
    if not scenarios:
        return ManualRun([], "No scenario to run: add one under Finance > Scenarios.")
    try:
        with track_job(JOB, trigger=JobRun.Trigger.MANUAL):
            return ManualRun(run_forecasts(scenarios, produced_by=produced_by))
    except JobSkipped:
        return ManualRun([], "Another forecast run is in progress; try again shortly.")
    except ForecastInputError as exc:
        return ManualRun([], f"Forecast not run: {exc}", refused=True)


@dataclass
class ForecastJobResult:
    runs: list[ForecastRun]
    report: Report
    files: list[Path]


def select_scenarios(names: list[str] | None) -> list[Scenario]:
    """The named scenarios (any, active or not), or every active one; unknown names are refused."""
    if not names:
        scenarios = list(Scenario.objects.filter(active=True).select_related("assumption_set"))
        if not scenarios:
            raise UnknownScenario("there is no active scenario: add one in the admin (Finance > Scenarios)")
        return scenarios
    found = {s.name.lower(): s for s in Scenario.objects.select_related("assumption_set")}
    missing = [name for name in names if name.lower() not in found]
    if missing:
        known = ", ".join(sorted(s.name for s in found.values())) or "none"
        raise UnknownScenario(f"unknown scenario(s) {', '.join(missing)}; known: {known}")
    return [found[name.lower()] for name in dict.fromkeys(names)]


class ExportFailed(Exception):
    """The export could not be written; the message names the path and the reason."""

    def __init__(self, path, error: OSError):
        self.path = path
        super().__init__(f"cannot write the forecast export to {path}: {error.strerror or error}")


def export_files(runs: list[ForecastRun], report: Report, directory: Path) -> list[Path]:
    """Write the CSV, XLSX and memo into ``directory``, all of them or none.

    Each file is written to a temporary name in ``directory`` first and only
    renamed into place once all three are on disk, so a full disk or a bad
    path never leaves a half-written file.
    """
    contents = {
        CSV_NAME: exports.csv_text(runs).encode(),
        XLSX_NAME: exports.xlsx_bytes(runs),
        MEMO_NAME: report.body.encode(),
    }
    written: list[tuple[Path, Path]] = []
    try:
        directory.mkdir(parents=True, exist_ok=True)
        for name, data in contents.items():
            target = directory / name
            if target.is_dir():
                raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(target))
            handle, temp = tempfile.mkstemp(dir=directory, prefix=f".{name}.", suffix=".part")
            written.append((Path(temp), target))
            with os.fdopen(handle, "wb") as file:
                file.write(data)
            os.chmod(temp, 0o644)  # mkstemp makes it private; the export is meant to be read.
        for temp, target in written:
            os.replace(temp, target)
    except OSError as exc:
        for temp, _ in written:
            temp.unlink(missing_ok=True)
        raise ExportFailed(exc.filename or directory, exc) from exc
    return [target for _, target in written]


def forecast_and_report(
    names: list[str] | None = None,
    *,
    export_dir: Path | None = None,
    produced_by: str,
    on_progress: Callable[[ForecastRun], None] | None = None,
) -> ForecastJobResult:
    scenarios = select_scenarios(names)
    # The runs, their report and the exported files are saved together or not
    # at all: a failed export rolls the runs and the report back.
    with transaction.atomic():
        runs = run_forecasts(scenarios, produced_by=produced_by, on_progress=on_progress)
        report = write_report(runs, produced_by=produced_by)
        files = export_files(runs, report, export_dir) if export_dir else []
    return ForecastJobResult(runs, report, files)
