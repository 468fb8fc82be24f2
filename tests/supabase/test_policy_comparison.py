"""Policies are compared after PostgreSQL's own normalisation, never as source text."""

import pytest

from bizops.core.declaration import AUTHENTICATED, SERVICE_ROLE, Policy, rls
from etl.models import DailyMetric
from tests.supabase.conftest import run_command

POLICY = "authenticated users read daily metrics"


@pytest.fixture
def two_role_declaration(monkeypatch):
    """The project's declaration with the daily metrics policy naming two roles."""
    registry = rls.copy()
    del registry.tables[DailyMetric._meta.db_table]
    registry.table(
        DailyMetric,
        policies=[
            Policy(
                POLICY, "SELECT", roles=(AUTHENTICATED, SERVICE_ROLE), using="(select auth.uid()) is not null"
            )
        ],
    )
    monkeypatch.setattr("bizops.supabase.diff.rls", registry)
    return registry


def test_it_sees_no_drift_in_a_policy_that_differs_only_in_whitespace_case_and_role_order(
    supabase_db, two_role_declaration
):
    database = supabase_db("secured")
    database.execute(
        f'DROP POLICY "{POLICY}" ON etl_dailymetric;'
        f'create   policy "{POLICY}" on etl_dailymetric\n  for select\n  to service_role ,  authenticated\n'
        "  using (   (  SELECT   auth.uid( ) )   IS   NOT   NULL   )"
    )
    result = run_command("supabase_delta", "--database-url", database.url, "--check")
    assert result.code == 0, result.out + result.err
    assert "no drift" in result.out


def test_it_sees_drift_when_the_roles_differ(supabase_db, two_role_declaration):
    database = supabase_db("secured")  # the live policy names authenticated only
    result = run_command("supabase_delta", "--database-url", database.url, "--check")
    assert result.code == 1
    assert "roles are authenticated, declared authenticated, service_role" in result.out


def test_it_counts_an_unwrapped_auth_uid_as_drift_and_warns_of_its_cost(supabase_db):
    database = supabase_db("secured")
    database.execute(f'ALTER POLICY "{POLICY}" ON etl_dailymetric USING (auth.uid() IS NOT NULL)')
    verified = run_command("verify_db", "--database-url", database.url)
    assert verified.code == 1
    assert (
        f"WARNING auth_rls_initplan: public.etl_dailymetric policy {POLICY}: calls auth.uid() once per row"
        in (verified.out)
    )
    assert (
        f"ERROR   policy_differs: public.etl_dailymetric policy {POLICY}: USING is (auth.uid() IS NOT NULL)"
        in (verified.out)
    )


def test_it_names_a_declared_policy_postgresql_refuses(supabase_db, monkeypatch):
    database = supabase_db("secured")
    registry = rls.copy()
    del registry.tables[DailyMetric._meta.db_table]
    registry.table(DailyMetric, policies=[Policy(POLICY, using="no_such_column > 0")])
    monkeypatch.setattr("bizops.supabase.diff.rls", registry)
    result = run_command("supabase_delta", "--database-url", database.url)
    assert result.code == 2
    assert f"declared policy '{POLICY}' on etl_dailymetric is refused by PostgreSQL" in result.err
    assert 'column "no_such_column" does not exist' in result.err
