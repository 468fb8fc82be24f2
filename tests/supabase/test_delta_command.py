"""manage.py supabase_delta: the file, --check, --apply, and what it refuses."""

import re

from psycopg.conninfo import conninfo_to_dict

from bizops.core.declaration import rls
from tests.supabase.conftest import run_command

PASSWORD = "never-in-output-or-file-93"


def with_password(database) -> tuple[str, str]:
    """The database's URL with a password in it, and that password."""
    parts = conninfo_to_dict(database.url)
    if parts.get("password"):
        return database.url, parts["password"]
    # The server trusts local users, so any password connects; it must still never show.
    return database.url.replace(f"{parts['user']}@", f"{parts['user']}:{PASSWORD}@", 1), PASSWORD


def test_it_writes_no_file_and_says_so_when_there_is_nothing_to_do(supabase_db, tmp_path):
    database = supabase_db("secured")
    result = run_command("supabase_delta", "--database-url", database.url, "--output", str(tmp_path))
    assert result.code == 0
    assert "supabase_delta: nothing to do:" in result.out
    assert "matches the declaration" in result.out
    assert list(tmp_path.iterdir()) == []


def test_check_exits_1_on_drift_and_writes_nothing(supabase_db, tmp_path):
    database = supabase_db("secured")
    database.execute("ALTER TABLE etl_order DISABLE ROW LEVEL SECURITY")
    result = run_command(
        "supabase_delta", "--database-url", database.url, "--output", str(tmp_path), "--check"
    )
    assert result.code == 1
    assert "fix: public.etl_order: row level security is off" in result.out
    assert "drift in database" in result.err
    assert list(tmp_path.iterdir()) == []


def test_check_exits_0_without_drift(supabase_db):
    result = run_command("supabase_delta", "--database-url", supabase_db("secured").url, "--check")
    assert result.code == 0
    assert "no drift" in result.out


def test_the_file_is_named_for_the_supabase_cli_and_holds_one_transaction(supabase_db, tmp_path):
    database = supabase_db("secured")
    database.execute('DROP POLICY "authenticated users read reports" ON bizops_report')
    result = run_command("supabase_delta", "--database-url", database.url, "--output", str(tmp_path))
    assert result.code == 0
    (written,) = tmp_path.iterdir()
    assert re.fullmatch(r"\d{14}_delta\.sql", written.name)
    sql = written.read_text()
    assert (
        "-- Fixes (1):\n--   public.bizops_report policy authenticated users read reports: policy is missing"
        in sql
    )
    body = [line for line in sql.splitlines() if line and not line.startswith("--")]
    assert body[:3] == [
        "BEGIN;",
        "SET LOCAL lock_timeout = '5s';",
        'SET LOCAL search_path TO "public", "extensions";',
    ]
    assert body[-1] == "COMMIT;"
    assert sum(line in ("BEGIN;", "COMMIT;") for line in body) == 2


def test_the_password_appears_neither_in_the_output_nor_in_the_file(supabase_db, tmp_path):
    database = supabase_db("migrated")
    url, password = with_password(database)
    result = run_command("supabase_delta", "--database-url", url, "--output", str(tmp_path))
    assert result.code == 0
    (written,) = tmp_path.iterdir()
    assert password not in result.out + result.err + written.read_text()
    assert f"for database {database.name} on 127.0.0.1:" in written.read_text()


def test_apply_changes_everything_in_one_go_and_a_second_delta_finds_nothing(supabase_db):
    database = supabase_db("migrated")
    url, password = with_password(database)
    applied = run_command("supabase_delta", "--database-url", url, "--apply")
    assert applied.code == 0, applied.err
    assert "a second look finds nothing left to do" in applied.out
    assert password not in applied.out + applied.err
    assert run_command("supabase_delta", "--database-url", database.url, "--check").code == 0


def test_it_refuses_a_delta_while_a_model_table_has_no_declaration(supabase_db, monkeypatch):
    registry = rls.copy()
    del registry.service_only_apps["health"]
    monkeypatch.setattr("bizops.supabase.diff.rls", registry)
    result = run_command("supabase_delta", "--database-url", supabase_db("secured").url)
    assert result.code == 2
    assert "error: health_jobrun (app health): has no row level security declaration" in result.err


def test_it_leaves_the_tables_of_an_unapplied_migration_to_migrate_and_names_it(supabase_db):
    database = supabase_db("secured")
    database.execute("DROP TABLE health_jobrun; DELETE FROM django_migrations WHERE app = 'health'")
    result = run_command("supabase_delta", "--database-url", database.url, "--check")
    assert result.code == 0, result.out
    assert "warning: health.0001_initial: is not applied" in result.out
    assert "warning: health.0002_cache_table_and_schedule: is not applied" in result.out


def test_it_secures_and_reports_a_table_made_by_hand(supabase_db):
    database = supabase_db("secured")
    database.execute("CREATE TABLE public.waitlist (email text PRIMARY KEY)")
    applied = run_command("supabase_delta", "--database-url", database.url, "--apply")
    assert applied.code == 0, applied.err
    assert database.query("SELECT relrowsecurity, relacl::text FROM pg_class WHERE relname = 'waitlist'") == [
        (True, "{postgres=arwdDxt/postgres,service_role=arwdDxt/postgres}")
    ]
    verified = run_command("verify_db", "--database-url", database.url)
    assert verified.code == 1
    assert "ERROR   undeclared_table: public.waitlist: is in the exposed schema but no model" in verified.out
