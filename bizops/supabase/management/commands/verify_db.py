"""manage.py verify_db: every required table, column, index, extension, RLS setting and policy,
plus Supabase's advisor rules; one line per problem; exit 1 on any error, 2 when the database
cannot be reached."""

import json

from django.core.management.base import BaseCommand, CommandError

from bizops.supabase.catalog import DeclaredPolicyError
from bizops.supabase.target import TargetError, connect, resolve
from bizops.supabase.verify import verify


class Command(BaseCommand):
    help = "Check the database against the declaration, the model state and Supabase's advisor rules."

    def add_arguments(self, parser):
        parser.add_argument(
            "--database-url",
            help="Defaults to SUPABASE_DB_URL, then DATABASE_URL (prefer those: a command line is visible "
            "to other users of the machine).",
        )
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args, **options):
        try:
            target = resolve(options["database_url"])
            with connect(target, "verify_db") as conn:
                report = verify(conn)
        except (TargetError, DeclaredPolicyError) as exc:
            raise CommandError(f"verify_db: {exc}", returncode=2) from None
        report.database = target.describe()
        if options["format"] == "json":
            self.stdout.write(json.dumps(report.as_dict(), indent=2))
        else:
            bypass = "bypasses" if report.role_bypasses_rls else "is subject to"
            self.stdout.write(
                f"verify_db: {report.database} ({report.connection_role} {bypass} row level security; "
                "RLS guards the API roles)"
            )
            for problem in report.problems:
                self.stdout.write(problem.line())
            self.stdout.write(report.summary())
        if not report.ok:
            raise CommandError(
                f"verify_db: {report.count('error')} error(s) in {report.database}", returncode=1
            )
