from pathlib import Path

from bizops.core.models import Report
from bizops.core.reports import export_reports
from health.runners import JobCommand


class Command(JobCommand):
    help = "Write every report (or one kind) to DIR/<kind>/<slug>.md."
    job_name = "reports.export"

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path)
        parser.add_argument("--kind", choices=Report.Kind.values, help="Only reports of this kind.")

    def run_job(self, run, *args, **options):
        reports = Report.objects.all()
        if options["kind"]:
            reports = reports.filter(kind=options["kind"])
        written = export_reports(options["directory"], reports)
        run.add(read=len(written), written=len(written))
        self.stdout.write(f"exported {len(written)} report(s) to {options['directory']}")
