"""What the API roles can do once the delta is applied, tried as those roles with SET ROLE.

Never asserted as the owner or a superuser: both bypass row level security.
"""

import json
import uuid

import psycopg
import pytest

SEED = """
INSERT INTO etl_dailymetric (date, channel, currency, fx_rates, spend, impressions, clicks,
  platform_conversions, platform_conversion_value, computed_at)
VALUES ('2026-03-08', 'all', 'USD', '{}', 120.50, 1000, 10, 2, 300, now());
INSERT INTO bizops_report (kind, title, slug, body, figures, produced_by, created_at)
VALUES ('exec', 'Week 10', 'week-10', '# Week 10', '{}', 'tests', now());
INSERT INTO bizops_backlogticket (key, title, priority, status, target_week, kpi, target, signal_30d,
  acceptance_criteria, body, created_at, updated_at)
VALUES ('secret_plan', 'Secret plan', 'P1', 'ready', '', '', '', '', '', '', now(), now());
"""


@pytest.fixture
def seeded(supabase_db):
    database = supabase_db("secured")
    database.execute(SEED)
    return database


def as_role(database, role: str, sql: str, claims: dict | None = None):
    """Run ``sql`` as ``role`` (with the request's JWT claims, as PostgREST sets them); rolled back."""
    with database.connect() as conn:
        conn.execute("BEGIN")
        try:
            conn.execute(f"SET LOCAL ROLE {role}")
            if claims is not None:
                conn.execute("SELECT set_config('request.jwt.claims', %s, true)", (json.dumps(claims),))
            return conn.execute(sql).fetchall()
        finally:
            conn.execute("ROLLBACK")


def project_tables(database) -> list[str]:
    rows = database.query(
        "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'r' "
        "ORDER BY 1"
    )
    return [name for (name,) in rows]


def signed_in() -> dict:
    return {"sub": str(uuid.uuid4()), "role": "authenticated"}


def test_anon_reads_nothing_from_any_project_table(seeded):
    tables = project_tables(seeded)
    assert {"etl_dailymetric", "bizops_report", "bizops_backlogticket", "auth_user"} <= set(tables)
    for table in tables:
        try:
            rows = as_role(seeded, "anon", f'SELECT * FROM "{table}"')  # noqa: S608 (catalog names)
        except psycopg.errors.InsufficientPrivilege:
            continue
        assert rows == [], table


def test_anon_cannot_write(seeded):
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        as_role(
            seeded,
            "anon",
            "INSERT INTO bizops_report (kind, title, slug, body, figures, produced_by, created_at) "
            "VALUES ('exec', 'Forged', 'forged', '', '{}', 'anon', now()) RETURNING id",
        )


def test_a_signed_in_user_reads_the_reporting_tables(seeded):
    claims = signed_in()
    assert as_role(seeded, "authenticated", "SELECT channel FROM etl_dailymetric", claims) == [("all",)]
    assert as_role(seeded, "authenticated", "SELECT slug FROM bizops_report", claims) == [("week-10",)]


def test_a_signed_in_user_does_not_read_the_backlog(seeded):
    try:
        rows = as_role(seeded, "authenticated", "SELECT key FROM bizops_backlogticket", signed_in())
    except psycopg.errors.InsufficientPrivilege:
        rows = []
    assert rows == []


def test_the_authenticated_role_without_a_user_reads_no_report(seeded):
    assert as_role(seeded, "authenticated", "SELECT slug FROM bizops_report", claims={}) == []


def test_a_signed_in_user_cannot_write_a_report(seeded):
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        as_role(seeded, "authenticated", "UPDATE bizops_report SET title = 'Edited'", signed_in())


def test_the_service_role_bypasses_row_level_security(seeded):
    assert as_role(seeded, "service_role", "SELECT key FROM bizops_backlogticket") == [("secret_plan",)]
