from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand

from bizops.core.backlog_files import import_dir
from bizops.core.demo import refuse_unless_demo
from bizops.core.demo_admin import default_password_file, ensure_admin
from flags.demo import seed_demo as seed_flags_demo
from health.report import write_snapshot
from health.sweep import run_sweep

FIXTURES = Path(__file__).resolve().parents[3] / "core" / "fixtures" / "backlog"


class Command(BaseCommand):
    help = (
        "Seed the demo: an admin user (printed with its password), the sample backlog, the finance plan, "
        "feature flags and experiments (measured on the orders already loaded), an SDK client key, the "
        "week's health sweep, and the business audit and memo over it all. "
        "Seeding again adds what is missing and keeps every edit, the admin password included."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")
        parser.add_argument(
            "--password", help="Set this password. Default: a new random one for a new user, kept after."
        )
        parser.add_argument(
            "--password-file",
            type=Path,
            help="Where the password is kept to print again "
            "(default: .demo-admin-password next to the SQLite database; none on other databases).",
        )
        parser.add_argument(
            "--base-url",
            default="http://127.0.0.1:8000",
            help="Where the demo is served, for the URLs printed.",
        )

    def handle(self, *args, **options):
        refuse_unless_demo("seed_demo is for the demo database")
        password_file = options["password_file"] or default_password_file()
        admin = ensure_admin(options["username"], password=options["password"], password_file=password_file)
        result = import_dir(FIXTURES, create_only=True)
        self.stdout.write(
            f"backlog: {result.created} created, {result.kept} already there (kept as they are)"
        )
        call_command("seed_finance_demo", stdout=self.stdout)
        seed_flags_demo(self.stdout, base_url=options["base_url"].rstrip("/"))
        # The week's health sweep, as beat runs it on Mondays before the audit: the jobs the
        # pipeline just ran, the sources it loaded, the checks, a snapshot and its report.
        snapshot, report = write_snapshot(run_sweep(), produced_by="seed_demo")
        self.stdout.write(f"health: {len(snapshot.findings):,} finding(s), report {report.slug}")
        # After the flags and the plan: the audit reads them, and the backlog it just loaded.
        call_command("seed_audit_demo", stdout=self.stdout)
        # Last, so the person sees how to log in without scrolling back.
        self.stdout.write(self.style.SUCCESS(admin.line(password_file)))
