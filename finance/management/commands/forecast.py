from pathlib import Path

from django.core.management.base import CommandError

from finance.backtest import rolling_origin
from finance.calibration import typed_values
from finance.drivers import parse_month
from finance.jobs import JOB, ExportFailed, UnknownScenario, forecast_and_report
from finance.models import AssumptionSet
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
        parser.add_argument(
            "--backtest",
            metavar="YYYY-MM",
            help="Instead: from this month on, calibrate on the --days before each month, forecast "
            "--horizon months and score the ended ones against the actuals and a naive forecast.",
        )
        parser.add_argument("--days", type=int, default=90, help="Backtest: calibration window (90).")
        parser.add_argument(
            "--horizon", type=int, default=3, help="Backtest: months forecast per origin (3)."
        )
        parser.add_argument(
            "--name",
            help="Backtest: the commerce set whose typed values fill what data cannot (default: newest).",
        )

    def run_job(self, run, *args, **options):
        if options["backtest"]:
            return self._backtest(run, options)

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

    def _backtest(self, run, options):
        try:
            origin = parse_month(options["backtest"])
        except ValueError as exc:
            raise CommandError(f"--backtest: {exc}") from None
        if not 28 <= options["days"] <= 730:
            raise CommandError(f"--days must be between 28 and 730; got {options['days']}")
        if not 1 <= options["horizon"] <= 36:
            raise CommandError(f"--horizon must be between 1 and 36; got {options['horizon']}")
        sets = AssumptionSet.objects.filter(revenue_model="commerce").order_by("-created_at", "-version")
        if options["name"]:
            sets = sets.filter(name=options["name"])
        base = sets.first()
        if options["name"] and base is None:
            raise CommandError(f"no commerce assumption set named {options['name']!r}")
        result = rolling_origin(
            origin, typed=typed_values(base), days=options["days"], horizon=options["horizon"]
        )
        if not result.origins:
            raise CommandError(f"{origin:%Y-%m} has not started yet: nothing to score")
        run.add(read=len(result.origins), written=0)
        kept = sorted({name for o in result.origins for name in o.kept})
        self.stdout.write(
            f"backtest from {origin:%Y-%m}: {len(result.origins)} origin(s), each calibrated on the "
            f"{options['days']} days before it, {options['horizon']} month(s) ahead; typed values from "
            f"{base or 'zeros'}{'; not measurable, typed: ' + ', '.join(kept) if kept else ''}"
        )
        for o in result.origins:
            self.stdout.write(f"  origin {o.origin:%Y-%m}: {o.months} whole ended month(s) scored")
        self.stdout.write("figure: model WAPE, bias | naive (last month's actual) WAPE, bias | months")

        def pct(value, signed=False):
            return "n/a" if value is None else (f"{value:+} %" if signed else f"{value} %")

        for key, label in result.metrics:
            m, n = result.model[key], result.naive[key]
            self.stdout.write(
                f"{label}: {pct(m.wape)}, {pct(m.bias, True)} | "
                f"{pct(n.wape)}, {pct(n.bias, True)} | {m.months}"
            )
