"""A delta that cannot get its locks gives up after SUPABASE_LOCK_TIMEOUT and changes nothing."""

import pytest

from tests.supabase.conftest import psql, run_command

SECURITY_STATE = """
SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
       coalesce((SELECT array_agg(polname ORDER BY polname) FROM pg_policy WHERE polrelid = c.oid), '{}'),
       coalesce(c.relacl::text, '')
FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' ORDER BY 1
"""


@pytest.fixture
def drifted_and_locked(supabase_db, settings):
    """RLS off on two tables and a policy dropped; another session reads etl_refund and holds on."""
    settings.SUPABASE_LOCK_TIMEOUT = "300ms"
    database = supabase_db("secured")
    database.execute(
        "ALTER TABLE bizops_backlogticket DISABLE ROW LEVEL SECURITY;"
        "ALTER TABLE etl_refund DISABLE ROW LEVEL SECURITY;"
        'DROP POLICY "authenticated users read reports" ON bizops_report;'
    )
    before = database.query(SECURITY_STATE)
    holder = database.connect()
    holder.execute("BEGIN")
    holder.execute("SELECT count(*) FROM etl_refund")  # ACCESS SHARE until the transaction ends
    yield database, before
    holder.execute("ROLLBACK")
    holder.close()


def test_psql_applying_the_file_times_out_and_leaves_everything_as_it_was(drifted_and_locked, tmp_path):
    database, before = drifted_and_locked
    written = run_command("supabase_delta", "--database-url", database.url, "--output", str(tmp_path))
    assert written.code == 0, written.err
    (delta,) = tmp_path.glob("*_delta.sql")
    sql = delta.read_text()
    # The locked table comes after other changes: their rollback is what is shown.
    assert sql.index('"bizops_backlogticket" ENABLE') < sql.index('"etl_refund" ENABLE')
    applied = psql(database.url, file=delta)
    assert applied.returncode != 0
    assert "canceling statement due to lock timeout" in applied.stderr
    assert database.query(SECURITY_STATE) == before


def test_apply_times_out_with_a_clear_message_and_leaves_everything_as_it_was(drifted_and_locked):
    database, before = drifted_and_locked
    result = run_command("supabase_delta", "--database-url", database.url, "--apply")
    assert result.code == 1
    assert "gave up waiting for a lock after 300ms (SUPABASE_LOCK_TIMEOUT)" in result.err
    assert "nothing was changed" in result.err
    assert database.query(SECURITY_STATE) == before
