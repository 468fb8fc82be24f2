from pathlib import Path

from django.core.management.base import CommandError

from finance.jobs import JOB, ExportFailed, UnknownScenario, forecast_and_report
from finance.report import amount, month_label
from finance.services import ForecastInputError
from health.runners import JobCommand


class Command(JobCommand):
    help = (
        "Run the forecast scenarios (every active one, or --scenario NAME) and write the finance report; "
        "with --export DIR also DIR/finance_model.csv, .xlsx and forecast.md."
    )
    job_name = JOB

    def add_arguments(self, parser):
        parser.add_argument(
            "--scenario", action="append", metavar="NAME", help="Only this scenario (repeatable)."
        )
        parser.add_argument("--export", type=Path, metavar="DIR", help="Write the CSV, XLSX and memo here.")

    def run_job(self, run, *args, **options):
        def progress(forecast_run):
            self.stdout.write(
                f"{forecast_run.scenario_name} ({forecast_run.assumption_set}): "
                f"{forecast_run.headline_phrase} {amount(forecast_run.headline)}, "
                f"break-even {month_label(forecast_run, forecast_run.break_even_month)}"
            )

        try:
            result = forecast_and_report(
                options["scenario"],
                export_dir=options["export"],
                produced_by="manage.py forecast",
                on_progress=progress,
            )
        except (UnknownScenario, ForecastInputError, ExportFailed) as exc:
            raise CommandError(str(exc)) from exc
        for path in result.files:
            self.stdout.write(f"wrote {path}")
        self.stdout.write(
            self.style.SUCCESS(
                f"forecast: {len(result.runs)} scenario(s) run, report {result.report.slug!r} written"
            )
        )
