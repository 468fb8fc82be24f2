import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from bizops.backlog_files import import_dir

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "backlog"


class Command(BaseCommand):
    help = "Seed the demo: an admin user (printed with a fresh password) and the sample backlog."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")
        parser.add_argument("--password", help="Default: a new random password, printed.")

    def handle(self, *args, **options):
        if not settings.DEBUG and settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
            raise CommandError("seed_demo is for the demo database; refusing with DEBUG off on PostgreSQL")
        password = options["password"] or secrets.token_urlsafe(12)
        user, created = get_user_model().objects.get_or_create(
            username=options["username"], defaults={"email": "admin@example.com"}
        )
        user.is_staff = user.is_superuser = True
        user.set_password(password)
        user.save()
        result = import_dir(FIXTURES)
        self.stdout.write(
            f"backlog: {result.created} created, {result.updated} updated, {result.unchanged} unchanged"
        )
        call_command("seed_finance_demo", stdout=self.stdout)
        self.stdout.write(
            self.style.SUCCESS(
                f"demo admin {'created' if created else 'password reset'}: "
                f"user {user.username!r} password {password!r}"
            )
        )
