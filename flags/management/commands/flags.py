from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from flags import transfer
from health.runners import JobCommand


class Command(JobCommand):
    help = "Export or import all flags: flags.json (the plan's shape, plus rules) or .csv."
    job_name = "flags.transfer"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["export", "import"])
        parser.add_argument("path", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="import: check every row, write nothing")

    def get_job_name(self, *args, **options) -> str:
        return f"flags.{options['action']}"

    def run_job(self, run, *args, **options):
        path: Path = options["path"]
        if options["action"] == "export":
            count = transfer.export_flags(path)
            run.add(read=count, written=count)
            self.stdout.write(f"exported {count} flag(s) to {path}")
            return
        if not path.exists():
            raise CommandError(f"{path} does not exist")
        try:
            result = transfer.import_flags(path, dry_run=options["dry_run"])
        except ValidationError as exc:
            raise CommandError(f"{path}: nothing imported:\n  " + "\n  ".join(exc.messages)) from None
        totals = result.totals
        run.add(read=len(result.rows), written=totals["new"] + totals["update"])
        prefix = "would import" if options["dry_run"] else "imported"
        self.stdout.write(
            f"{prefix} {path}: {totals['new']} new, {totals['update']} updated, {totals['skip']} unchanged"
        )
