"""manage.py verify_db: every required object and Supabase's advisor rules, one line per problem."""

import json

from tests.supabase.conftest import run_command


def verify(database, *args):
    return run_command("verify_db", "--database-url", database.url, *args)


def test_it_passes_a_database_that_matches_the_declaration(supabase_db):
    result = verify(supabase_db("secured"))
    assert result.code == 0, result.out
    lines = result.out.strip().splitlines()
    assert "(postgres bypasses row level security; RLS guards the API roles)" in lines[0]
    assert lines[-1].startswith("verify_db: 0 errors, 0 warnings, 0 notes in database ")


def test_it_reports_json_with_a_severity_and_a_fix_for_each_problem(supabase_db):
    result = verify(supabase_db("migrated"), "--format", "json")
    assert result.code == 1
    report = json.loads(result.out)
    assert report["ok"] is False
    assert report["role_bypasses_rls"] is True
    by_target = {(p["code"], p["target"]): p for p in report["problems"]}
    problem = by_target[("rls_disabled_in_public", "public.etl_order")]
    assert problem["severity"] == "error"
    assert 'ALTER TABLE "public"."etl_order" ENABLE ROW LEVEL SECURITY' in problem["fix"]
    assert by_target[("excess_privilege", "public.etl_order anon")]["severity"] == "error"
    assert report["errors"] == sum(p["severity"] == "error" for p in report["problems"])


def test_it_reports_policies_that_do_nothing_while_rls_is_off(supabase_db):
    database = supabase_db("secured")
    database.execute("ALTER TABLE bizops_report DISABLE ROW LEVEL SECURITY")
    result = verify(database)
    assert result.code == 1
    assert "ERROR   rls_disabled_in_public: public.bizops_report: row level security is off" in result.out
    assert "ERROR   policy_exists_rls_disabled: public.bizops_report: has 1 policies" in result.out


def test_it_reports_a_foreign_key_without_an_index(supabase_db):
    database = supabase_db("secured")
    database.execute("DROP INDEX bizops_backlogticket_owner_id_687189c1")
    result = verify(database)
    assert (
        "ERROR   missing_index: public.bizops_backlogticket index bizops_backlogticket_owner_id_687189c1"
        in (result.out)
    )
    assert (
        "WARNING unindexed_foreign_keys: public.bizops_backlogticket constraint "
        "bizops_backlogticket_owner_id_687189c1_fk_auth_user_id: foreign key has no index" in result.out
    )


def test_it_counts_a_unique_constraint_leading_with_the_key_as_the_foreign_keys_index(supabase_db):
    database = supabase_db("secured")
    database.execute("DROP INDEX etl_refund_order_id_3d7ab79f")  # (order, external_id) is unique
    result = verify(database)
    assert "missing_index: public.etl_refund" in result.out
    assert "unindexed_foreign_keys" not in result.out


def test_it_reports_a_missing_column_and_a_column_of_another_type(supabase_db):
    database = supabase_db("secured")
    database.execute(
        "ALTER TABLE etl_order DROP COLUMN name; ALTER TABLE etl_order ALTER COLUMN shop TYPE text"
    )
    result = verify(database)
    assert result.code == 1
    assert "ERROR   missing_column: public.etl_order.name: column is missing" in result.out
    assert (
        "WARNING column_differs: public.etl_order.shop: is text NOT NULL, the model says "
        "character varying(255) NOT NULL" in result.out
    )


def test_it_reports_an_invalid_index(supabase_db):
    database = supabase_db("secured")
    database.execute("UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'order_created'::regclass")
    result = verify(database)
    assert "ERROR   invalid_index: public.etl_order index order_created: index is invalid" in result.out


def test_it_reports_an_open_undeclared_policy_and_two_permissive_policies(supabase_db):
    database = supabase_db("secured")
    database.execute('CREATE POLICY "everyone" ON bizops_report FOR SELECT TO authenticated USING (true)')
    result = verify(database)
    assert result.code == 1
    assert (
        "ERROR   undeclared_policy: public.bizops_report policy everyone: "
        "is not declared (SELECT for authenticated)" in result.out
    )
    assert "WARNING multiple_permissive_policies: public.bizops_report: 2 permissive policies" in result.out


def test_it_reports_an_extension_in_the_exposed_schema_and_a_missing_one(supabase_db):
    database = supabase_db("secured")
    database.execute("DROP EXTENSION pgcrypto; CREATE EXTENSION pg_trgm SCHEMA public")
    result = verify(database)
    assert "ERROR   missing_extension: extension pgcrypto: is not installed" in result.out
    assert (
        "WARNING extension_in_public: extension pg_trgm: is installed in the exposed schema public"
        in result.out
    )


def test_it_notes_a_hand_made_table_with_rls_on_and_no_policy(supabase_db):
    database = supabase_db("secured")
    database.execute("CREATE TABLE notes (id int); ALTER TABLE notes ENABLE ROW LEVEL SECURITY")
    result = verify(database)
    assert (
        "INFO    rls_enabled_no_policy: public.notes: row level security is on with no policy" in result.out
    )
