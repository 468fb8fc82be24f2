from bizops.audit.audit import run_audit
from bizops.audit.management.period_command import PeriodCommand
from bizops.audit.memo import build_memo, write_memo
from bizops.core.reports import export_reports


class Command(PeriodCommand):
    help = (
        "Write the executive memo finance_automation_growth_memo_<today>: the top 5 actions by expected "
        "effect and a 30/60/90-day plan, from the audit of the period (computed afresh; no ticket changes)."
    )
    job_name = "audit.exec_memo"
    output_help = "Also write the memo to DIR/exec/<slug>.md."

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
