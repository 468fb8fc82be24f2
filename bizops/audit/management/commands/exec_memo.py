from pathlib import Path

from django.core.management.base import CommandError

from bizops.audit.audit import run_audit
from bizops.audit.base import Period
from bizops.audit.memo import build_memo, write_memo
from bizops.core.reports import export_reports
from health.runners import JobCommand


class Command(JobCommand):
    help = (
        "Write the executive memo finance_automation_growth_memo_<today>: the top 5 actions by expected "
        "effect and a 30/60/90-day plan, from the audit of the period (computed afresh; no ticket changes)."
    )
    job_name = "audit.exec_memo"

    def add_arguments(self, parser):
        parser.add_argument(
            "--period", help='The audit\'s period: "30" or "2026-01-01..2026-01-31"; default 30.'
        )
        parser.add_argument("--output", type=Path, help="Also write the memo to DIR/exec/<slug>.md.")

    def handle(self, *args, **options):
        try:
            options["period"] = Period.parse(options["period"])
        except ValueError as exc:
            raise CommandError(f"--period: {exc}") from None
        return super().handle(*args, **options)

    def run_job(self, run, *args, **options):
        memo = build_memo(run_audit(options["period"]))
        report = write_memo(memo, produced_by="exec_memo command")
        run.add(written=1)
        if options["output"]:
            export_reports(options["output"], [report])
        for n, action in enumerate(memo.actions, 1):
            self.stdout.write(f"  {n}. {action.title} ({action.as_dict()['effect_shown']})")
        planned = ", ".join(f"{len(rows)} within {h} days" for h, rows in memo.plan.items())
        self.stdout.write(f"{len(memo.actions)} action(s); plan: {planned}; report {report.slug}")
