"""What the audit commands share: ``--period``, checked before the run is recorded, and ``--output``."""

from pathlib import Path

from django.core.management.base import CommandError

from bizops.audit.base import Period
from health.runners import JobCommand


class PeriodCommand(JobCommand):
    output_help = "Also write the report to DIR/exec/<slug>.md."

    def add_arguments(self, parser):
        parser.add_argument(
            "--period", help='Days ending yesterday ("30") or a range ("2026-01-01..2026-01-31"); default 30.'
        )
        parser.add_argument("--output", type=Path, help=self.output_help)

    def handle(self, *args, **options):
        # Checked before the run is recorded: a bad option is not a failed job.
        try:
            options["period"] = Period.parse(options["period"])
        except ValueError as exc:
            raise CommandError(f"--period: {exc}") from None
        return super().handle(*args, **options)
