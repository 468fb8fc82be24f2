from pathlib import Path

from django.core.management.base import CommandError

from bizops.core.reports import export_reports
from health.report import write_snapshot
from health.runners import JobCommand
from health.sweep import run_sweep

MAX_DAYS = 3660


class Command(JobCommand):
    help = (
        "Sweep jobs, data sources and checks; store a snapshot, write the system health report, sync tickets."
    )
    job_name = "health.weekly_sweep"

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=7, help="Window in days (default 7).")
        parser.add_argument("--output", type=Path, help="Also write the report to DIR/health/<slug>.md.")
        parser.add_argument("--strict", action="store_true", help="Exit 1 when any error is found.")

    def handle(self, *args, **options):
        # Checked before the run is recorded: a bad option is not a failed sweep.
        if options["days"] < 1:
            raise CommandError("--days must be at least 1")
        if options["days"] > MAX_DAYS:
            raise CommandError(f"--days must be at most {MAX_DAYS}")
        return super().handle(*args, **options)

    def run_job(self, run, *args, **options):
        sweep = run_sweep(days=options["days"])
        _, report = write_snapshot(sweep, produced_by="health_sweep command")
        run.add(read=len(sweep.jobs), written=1)
        run.note(score=sweep.score, errors=len(sweep.errors))
        for finding in sweep.findings:
            self.stdout.write(f"{finding.severity:7} {finding.check}: {finding.message}")
        if options["output"]:
            export_reports(options["output"], [report])
        self.stdout.write(
            f"resilience {sweep.resilience.shown}, entropy delta {sweep.entropy.shown}, "
            f"coherence {sweep.coherence.shown}; {len(sweep.errors)} error(s), "
            f"{len(sweep.findings) - len(sweep.errors)} other finding(s); report {report.slug}"
        )
        if options["strict"] and sweep.errors:
            raise CommandError(f"{len(sweep.errors)} health error(s); see report {report.slug}")
