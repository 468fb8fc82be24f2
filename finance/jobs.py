"""The forecast job: run scenarios, write the report and, if asked, the files."""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from bizops.models import Report
from finance import exports
from finance.models import ForecastRun, Scenario
from finance.report import write_report
from finance.services import run_forecasts

CSV_NAME = "finance_model.csv"
XLSX_NAME = "finance_model.xlsx"
MEMO_NAME = "forecast.md"


class UnknownScenario(LookupError):
    pass


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


def export_files(runs: list[ForecastRun], report: Report, directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    csv_path, xlsx_path, memo_path = directory / CSV_NAME, directory / XLSX_NAME, directory / MEMO_NAME
    csv_path.write_text(exports.csv_text(runs), encoding="utf-8")
    xlsx_path.write_bytes(exports.xlsx_bytes(runs))
    memo_path.write_text(report.body, encoding="utf-8")
    return [csv_path, xlsx_path, memo_path]


def forecast_and_report(
    names: list[str] | None = None,
    *,
    export_dir: Path | None = None,
    produced_by: str,
    on_progress: Callable[[ForecastRun], None] | None = None,
) -> ForecastJobResult:
    scenarios = select_scenarios(names)
    # The runs and their report are saved together or not at all.
    with transaction.atomic():
        runs = run_forecasts(scenarios, produced_by=produced_by, on_progress=on_progress)
        report = write_report(runs, produced_by=produced_by)
    files = export_files(runs, report, export_dir) if export_dir else []
    return ForecastJobResult(runs, report, files)
