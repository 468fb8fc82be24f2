from django.core.management.base import CommandError

from etl.metrics.compute import recompute
from etl.metrics.days import parse_day, trailing_window
from health.runners import JobCommand


class Command(JobCommand):
    help = (
        "Recompute the daily metrics of a range of reporting days (--since/--until), "
        "or of the trailing window ending yesterday (--cron, METRICS_TRAILING_DAYS days)."
    )
    job_name = "etl.compute_metrics"

    def add_arguments(self, parser):
        parser.add_argument("--since", help="First day, YYYY-MM-DD.")
        parser.add_argument("--until", help="Last day, YYYY-MM-DD (default: yesterday).")
        parser.add_argument(
            "--cron", action="store_true", help="The trailing window: late refunds and restated ad days."
        )
        parser.add_argument("--dry-run", action="store_true", help="Compute everything, write nothing.")

    def run_job(self, run, **options):
        try:
            since, until = self._window(options)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        result = recompute(
            since,
            until,
            progress=lambda message: self.stdout.write(f"  {message}"),
            dry_run=options["dry_run"],
        )
        for note in result.notes:
            self.stdout.write(self.style.WARNING(f"  note: {note}"))
        verb = "would write" if options["dry_run"] else "wrote"
        self.stdout.write(
            self.style.SUCCESS(
                f"compute_metrics: {result.since}..{result.until} ({result.days} days): {verb} "
                f"{result.rows_written} rows from {result.rows_read} source rows"
            )
        )

    @staticmethod
    def _window(options):
        if options["cron"]:
            if options["since"] or options["until"]:
                raise ValueError("--cron recomputes the trailing window: give it no --since or --until")
            return trailing_window()
        if not options["since"]:
            raise ValueError("give --since YYYY-MM-DD (and optionally --until), or --cron")
        since = parse_day(options["since"], "--since")
        until = parse_day(options["until"], "--until") if options["until"] else None
        return since, until
