from pathlib import Path

from django.core.management.base import CommandError

from bizops.audit.audit import run_audit, write_audit
from bizops.audit.base import Period
from bizops.audit.report_text import score_text
from bizops.core.reports import export_reports
from health.runners import JobCommand


class Command(JobCommand):
    help = (
        "Run the business audit over a period (default: the 30 days ending yesterday), write the report "
        "unaligned_audit_<end> and keep the top realignments' backlog tickets."
    )
    job_name = "audit.weekly_audit"

    def add_arguments(self, parser):
        parser.add_argument(
            "--period", help='Days ending yesterday ("30") or a range ("2026-01-01..2026-01-31"); default 30.'
        )
        parser.add_argument("--output", type=Path, help="Also write the report to DIR/exec/<slug>.md.")

    def handle(self, *args, **options):
        # Checked before the run is recorded: a bad option is not a failed audit.
        try:
            options["period"] = Period.parse(options["period"])
        except ValueError as exc:
            raise CommandError(f"--period: {exc}") from None
        return super().handle(*args, **options)

    def run_job(self, run, *args, **options):
        period = options["period"]
        self.stdout.write(f"auditing {period.label}")
        audit = run_audit(period)
        for result in audit.results:
            self.stdout.write(f"  {result.title:16} {score_text(result.score):16} {result.note}")
        report = write_audit(audit, produced_by="bi_audit command")
        run.add(
            written=1 + sum(audit.tickets.get(k, 0) for k in ("created", "updated", "reopened", "closed"))
        )
        run.note(report=report.slug, temperature=audit.temperature.value, momentum=audit.momentum.value)
        if options["output"]:
            export_reports(options["output"], [report])
        tickets = ", ".join(f"{n} {what}" for what, n in audit.tickets.items())
        self.stdout.write(
            f"Alignment Temperature {score_text(audit.temperature.value)}, "
            f"Momentum Index {score_text(audit.momentum.value)}; "
            f"{len(audit.realignments)} realignment(s), tickets: {tickets}; report {report.slug}"
        )
