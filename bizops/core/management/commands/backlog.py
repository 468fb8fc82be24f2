from pathlib import Path

from django.core.management.base import CommandError

from bizops.core.backlog_files import BacklogFileError, export_dir, import_dir
from bizops.core.imports import ImportRefused
from health.runners import JobCommand


class Command(JobCommand):
    help = "Import or export backlog tickets as Markdown files (one per ticket, front matter + body)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="Create or update tickets from DIR/*.md (all or nothing).")
        imp.add_argument("directory", type=Path)
        imp.add_argument("--dry-run", action="store_true", help="Check and count, write nothing.")
        exp = sub.add_parser("export", help="Write every ticket to DIR/<STATUS>_<key>.md.")
        exp.add_argument("directory", type=Path)

    def get_job_name(self, *args, **options) -> str:
        return f"backlog.{options['action']}"

    def run_job(self, run, *args, **options):
        directory = options["directory"]
        if options["action"] == "export":
            written = export_dir(directory)
            run.add(read=len(written), written=len(written))
            self.stdout.write(f"exported {len(written)} ticket(s) to {directory}")
            return
        if not directory.is_dir():
            raise CommandError(f"{directory} is not a directory")
        try:
            result = import_dir(directory, dry_run=options["dry_run"])
        except ImportRefused as exc:
            raise CommandError(f"nothing imported from {directory}: {exc}") from None
        except BacklogFileError as exc:
            for problem in exc.problems:
                self.stderr.write(f"  {problem}")
            raise CommandError(
                f"nothing imported: {len(exc.problems)} file(s) with problems in {directory}"
            ) from exc
        run.add(
            read=result.created + result.updated + result.unchanged, written=result.created + result.updated
        )
        prefix = "dry run: would have " if options["dry_run"] else ""
        self.stdout.write(
            f"{prefix}created {result.created}, updated {result.updated}, "
            f"unchanged {result.unchanged} ticket(s) from {directory}"
        )
