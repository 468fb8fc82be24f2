"""A scratch PostgreSQL database for a benchmark: made beside DATABASE_URL's, dropped after.

if not needs_postgres("bench/audit.py"):
    return 2
...
with scratch_database("audit"):
    ...  # a fresh, migrated <name>_bench_audit; dropped on the way out
"""

import os
from contextlib import contextmanager


def needs_postgres(script: str) -> bool:
    """True with a PostgreSQL DATABASE_URL; otherwise says so (one line) and is False."""
    if os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        return True
    print(
        f"{script} needs PostgreSQL: set DATABASE_URL=postgres://user@host:5432/name "
        "(a scratch database <name>_bench_<bench> is created beside it and dropped afterwards)"
    )
    return False


@contextmanager
def scratch_database(label: str):
    """Django set up on a new migrated database ``<name>_bench_<label>``, dropped afterwards."""
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_test_environment

    settings.DATABASES["default"]["TEST"]["NAME"] = f"{settings.DATABASES['default']['NAME']}_bench_{label}"
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        yield connection
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
