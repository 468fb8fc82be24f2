from bizops.audit.audit import run_audit, write_audit
from bizops.audit.management.period_command import PeriodCommand
from bizops.audit.report_text import score_text
from bizops.core.reports import export_reports


class Command(PeriodCommand):
    help = (
        "Run the business audit over a period (default: the 30 days ending yesterday), write the report "
        "unaligned_audit_<end> and keep the top realignments' backlog tickets."
    )
    job_name = "audit.weekly_audit"

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
