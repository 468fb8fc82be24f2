from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from etl.metrics.days import parse_day
from finance.calibration import save_calibrated
from health.runners import JobCommand

DEFAULT_NAME = "Store plan"


class Command(JobCommand):
    help = (
        "Measure the commerce drivers from the orders and ad spend of the last --days (90) days and save "
        "them as the next version of --name (a new commerce set when there is none); each driver's note "
        "says the window, the figure and the rows it came from."
    )
    job_name = "finance.calibrate"

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=90, help="Reporting days in the window (default 90).")
        parser.add_argument(
            "--name", default=DEFAULT_NAME, help=f"Assumption set (default {DEFAULT_NAME!r})."
        )
        parser.add_argument("--until", help="Last day of the window, YYYY-MM-DD (default: yesterday).")

    def run_job(self, run, *args, **options):
        days = options["days"]
        if not 28 <= days <= 730:
            raise CommandError(f"--days must be between 28 and 730; got {days}")
        until = None
        if options["until"]:
            try:
                until = parse_day(options["until"], "--until")
            except ValueError as exc:
                raise CommandError(str(exc)) from None
        try:
            plan, result = save_calibrated(options["name"][:100], days=days, until=until)
        except ValidationError as exc:
            raise CommandError(f"the calibrated set was not saved: {'; '.join(exc.messages)}") from None
        run.add(read=1, written=1)
        for name, note in sorted(result.sources.items()):
            self.stdout.write(f"{name}: {note}")
        kept = f"; kept as typed: {', '.join(result.kept)}" if result.kept else ""
        self.stdout.write(self.style.SUCCESS(f"saved {plan} from {result.window}{kept}"))
