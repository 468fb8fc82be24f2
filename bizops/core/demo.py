"""The one guard of every command that writes made-up data (demo seeds, sandbox loads)."""

from django.conf import settings
from django.core.management.base import CommandError


def is_demo_database() -> bool:
    """DEBUG on, or a database that is not PostgreSQL: never the production one."""
    return settings.DEBUG or not settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


def refuse_unless_demo(what: str) -> None:
    """Stop a command with one line naming ``what`` it would do, unless on a demo database."""
    if not is_demo_database():
        raise CommandError(f"{what}; refusing with DEBUG off on PostgreSQL")
