"""Make a plain PostgreSQL database look like a Supabase one, for tests, benchmarks and local work.

What Supabase's own migrations set up and the delta relies on: the roles
``anon`` and ``authenticated`` (no login, no inheritance) and ``service_role``
(which bypasses row level security), the ``auth`` schema with ``auth.uid()``,
``auth.jwt()`` and ``auth.role()`` reading the request's JWT claims the way
PostgREST passes them (``request.jwt.claims``, or the older one-setting-per-claim
form), the ``extensions`` schema, and the default privileges that give the
API roles every privilege on each new table of ``public``, as a Supabase
project does (the delta takes them back).

Roles belong to the whole cluster: they are created when missing and never
dropped, since another database of the cluster may be using them.
"""

ROLES_SQL = """
DO $roles$
BEGIN
  BEGIN CREATE ROLE anon NOLOGIN NOINHERIT; EXCEPTION WHEN duplicate_object THEN NULL; END;
  BEGIN CREATE ROLE authenticated NOLOGIN NOINHERIT; EXCEPTION WHEN duplicate_object THEN NULL; END;
  BEGIN CREATE ROLE service_role NOLOGIN NOINHERIT BYPASSRLS; EXCEPTION WHEN duplicate_object THEN NULL; END;
END
$roles$;
"""

DATABASE_SQL = """
CREATE SCHEMA IF NOT EXISTS auth;
CREATE SCHEMA IF NOT EXISTS extensions;
CREATE TABLE IF NOT EXISTS auth.users (id uuid PRIMARY KEY, email text);
CREATE OR REPLACE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql STABLE AS $fn$
  SELECT coalesce(
    nullif(current_setting('request.jwt.claim.sub', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
  )::uuid
$fn$;
CREATE OR REPLACE FUNCTION auth.role() RETURNS text LANGUAGE sql STABLE AS $fn$
  SELECT coalesce(
    nullif(current_setting('request.jwt.claim.role', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role')
  )::text
$fn$;
CREATE OR REPLACE FUNCTION auth.jwt() RETURNS jsonb LANGUAGE sql STABLE AS $fn$
  SELECT coalesce(
    nullif(current_setting('request.jwt.claim', true), ''),
    nullif(current_setting('request.jwt.claims', true), '')
  )::jsonb
$fn$;
GRANT USAGE ON SCHEMA public, auth, extensions TO anon, authenticated, service_role;
GRANT EXECUTE ON FUNCTION auth.uid(), auth.role(), auth.jwt() TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON TABLES TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON SEQUENCES TO anon, authenticated, service_role;
DO $db$
BEGIN
  -- PostgREST's exposed schemas; Supabase's advisors read it.
  EXECUTE format('ALTER DATABASE %I SET pgrst.db_schemas = %L', current_database(), 'public');
END
$db$;
"""


def supabase_setup_sql() -> str:
    """Everything, for one database: the cluster's roles (if missing), then the database's objects."""
    return ROLES_SQL + DATABASE_SQL
