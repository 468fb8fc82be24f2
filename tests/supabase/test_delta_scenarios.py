"""Each drift, repaired: a delta is generated, applied with psql (twice), verify_db passes
and a second delta finds nothing to do."""

import psycopg
import pytest

from tests.supabase.conftest import psql, run_command

# A row every NOT NULL column of etl_order accepts (Django sets no database defaults).
ORDER_ROW = (
    "INSERT INTO etl_order (shop, external_id, name, created_at, updated_at, test, currency, subtotal, "
    "discounts, tax, shipping, total, current_total, customer_key) VALUES "
    "('shop.myshopify.com', {n}, '#{n}', '2026-01-01', '2026-01-01', false, 'USD', "
    "0, 0, 0, 0, 0, 0, '')"
)

DRIFTS = {
    "dropped_column": (
        "ALTER TABLE etl_order DROP COLUMN customer_key",
        'ADD COLUMN IF NOT EXISTS "customer_key"',
    ),
    "dropped_index": ("DROP INDEX order_created", 'CREATE INDEX IF NOT EXISTS "order_created"'),
    # A failed CREATE INDEX CONCURRENTLY leaves an INVALID index under the name
    # Django expects, which IF NOT EXISTS alone would skip.
    "invalid_index": (
        [
            "DROP INDEX order_created",
            ORDER_ROW.format(n=1),
            ORDER_ROW.format(n=2),  # the same created_at: the unique index below cannot be built
            "CREATE UNIQUE INDEX CONCURRENTLY order_created ON etl_order (created_at)",
        ],
        "AND NOT indisvalid",
    ),
    "missing_extension": ("DROP EXTENSION pgcrypto", 'CREATE EXTENSION IF NOT EXISTS "pgcrypto"'),
    "dropped_policy": (
        'DROP POLICY "authenticated users read reports" ON bizops_report',
        'CREATE POLICY "authenticated users read reports"',
    ),
    "edited_policy_expression": (
        'ALTER POLICY "authenticated users read daily metrics" ON etl_dailymetric USING (true)',
        'DROP POLICY IF EXISTS "authenticated users read daily metrics"',
    ),
    "policy_command_changed": (
        [
            'DROP POLICY "authenticated users read reports" ON bizops_report',
            'CREATE POLICY "authenticated users read reports" ON bizops_report FOR ALL TO authenticated '
            "USING ((select auth.uid()) is not null)",
        ],
        'DROP POLICY IF EXISTS "authenticated users read reports"',
    ),
    "rls_switched_off": (
        "ALTER TABLE etl_order DISABLE ROW LEVEL SECURITY",
        'ALTER TABLE "public"."etl_order" ENABLE ROW LEVEL SECURITY',
    ),
    "extra_grants_to_anon": (
        [
            "GRANT SELECT, INSERT ON etl_order TO anon",
            "GRANT SELECT (title) ON bizops_backlogticket TO anon",
            "GRANT USAGE ON SEQUENCE etl_order_id_seq TO anon",
        ],
        'REVOKE ALL ON TABLE "public"."bizops_backlogticket" FROM "anon"',
    ),
}


def break_it(database, drift) -> None:
    for sql in [drift] if isinstance(drift, str) else drift:
        with database.connect() as conn:
            try:
                conn.execute(sql)
            except psycopg.errors.UniqueViolation:
                # The failing CREATE INDEX CONCURRENTLY is the point of its scenario.
                assert "CONCURRENTLY" in sql


def delta_file(tmp_path, database, *args):
    out = tmp_path / "migrations"
    result = run_command("supabase_delta", "--database-url", database.url, "--output", str(out), *args)
    assert result.code == 0, result.err
    files = sorted(out.glob("*_delta.sql"))
    return result, files


def assert_converges(tmp_path, database, *args) -> str:
    """Generate, apply twice with psql, verify, and look again: the whole cycle of one scenario."""
    before = run_command("verify_db", "--database-url", database.url)
    assert before.code == 1, before.out
    result, files = delta_file(tmp_path, database, *args)
    assert len(files) == 1, result.out
    sql = files[0].read_text()
    for attempt in (1, 2):  # applying the file twice is harmless
        applied = psql(database.url, file=files[0])
        assert applied.returncode == 0, f"attempt {attempt}: {applied.stderr}"
    verified = run_command("verify_db", "--database-url", database.url)
    assert verified.code == 0, verified.out + verified.err
    again, files_after = delta_file(tmp_path, database, *args)
    assert "nothing to do" in again.out
    assert files_after == files
    return sql


@pytest.mark.parametrize("scenario", sorted(DRIFTS))
def test_it_repairs_the_drift(scenario, supabase_db, tmp_path):
    database = supabase_db("secured")
    drift, expected_sql = DRIFTS[scenario]
    break_it(database, drift)
    sql = assert_converges(tmp_path, database)
    assert expected_sql in sql


def test_it_builds_everything_on_an_empty_database(supabase_db, tmp_path):
    database = supabase_db("empty")
    sql = assert_converges(tmp_path, database)
    assert 'CREATE TABLE IF NOT EXISTS "etl_dailymetric"' in sql
    assert 'CREATE POLICY "authenticated users read daily metrics"' in sql
    tables = database.query(
        "SELECT count(*) FILTER (WHERE relrowsecurity), count(*) FROM pg_class "
        "WHERE relnamespace = 'public'::regnamespace AND relkind = 'r'"
    )
    assert tables[0][0] == tables[0][1] > 20


def test_it_secures_a_fully_migrated_database_without_rls(supabase_db, tmp_path):
    database = supabase_db("migrated")
    sql = assert_converges(tmp_path, database)
    assert 'ALTER TABLE "public"."bizops_backlogticket" ENABLE ROW LEVEL SECURITY' in sql
    assert 'REVOKE ALL ON TABLE "public"."bizops_backlogticket" FROM "anon"' in sql
    assert 'REVOKE ALL ON ALL SEQUENCES IN SCHEMA "public" FROM PUBLIC, "anon", "authenticated"' in sql


def test_it_drops_an_undeclared_policy_only_when_pruning(supabase_db, tmp_path):
    database = supabase_db("secured")
    break_it(
        database,
        'CREATE POLICY "made in the dashboard" ON bizops_backlogticket '
        "FOR SELECT TO authenticated USING (true)",
    )
    kept = run_command("supabase_delta", "--database-url", database.url, "--output", str(tmp_path / "kept"))
    assert kept.code == 0
    assert "nothing to do" in kept.out
    assert "made in the dashboard: is not declared" in kept.out
    sql = assert_converges(tmp_path, database, "--prune")
    assert 'DROP POLICY IF EXISTS "made in the dashboard" ON "public"."bizops_backlogticket"' in sql
