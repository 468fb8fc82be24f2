"""The live database's catalog, read in a fixed number of queries whatever the number of tables.

Every query covers the whole exposed schema at once (never one per table), so
a database with 200 tables costs what one with 20 does. All reads happen in
one REPEATABLE READ transaction, which is rolled back: the catalog is seen at
one instant and nothing is left behind.

Declared policies are compared with live ones after PostgreSQL's own
normalisation: each declared policy is created on a scratch temporary table
with the model's columns, inside the same rolled-back transaction, and read
back through the same deparsing (``pg_get_expr``) as the live policies. So
``(select auth.uid())`` and ``( SELECT auth.uid() AS uid)`` compare equal, and
whitespace or role order never shows as drift.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import psycopg
from psycopg.rows import dict_row

from bizops.core.declaration import Policy
from bizops.core.sqltext import ident, literal

COMMAND_BY_CODE = {"r": "SELECT", "a": "INSERT", "w": "UPDATE", "d": "DELETE", "*": "ALL"}


@dataclass(frozen=True)
class LiveTable:
    name: str
    rls: bool
    force: bool
    owner: str
    can_alter: bool


@dataclass(frozen=True)
class LiveColumn:
    name: str
    attnum: int
    type: str
    not_null: bool


@dataclass(frozen=True)
class LiveIndex:
    table: str
    name: str
    valid: bool
    unique: bool
    primary: bool
    keys: tuple[int, ...]  # attnums; 0 for an expression
    partial: bool
    definition: str


@dataclass(frozen=True)
class LiveConstraint:
    table: str
    name: str
    type: str  # p, u, f, c, x
    validated: bool
    keys: tuple[int, ...]


@dataclass(frozen=True)
class LivePolicy:
    table: str
    name: str
    command: str
    permissive: bool
    roles: tuple[str, ...]  # sorted; "public" for PUBLIC
    using: str | None
    with_check: str | None

    def shape(self) -> tuple:
        """What makes two policies the same, whatever their table."""
        return (self.command, self.permissive, self.roles, self.using, self.with_check)


@dataclass
class Snapshot:
    """The catalog of one database, as far as the delta and the checks need it."""

    database: str
    current_user: str
    superuser: bool
    bypass_rls: bool
    roles_present: set[str]
    roles_bypassing_rls: set[str]
    schemas_present: set[str]
    extensions_available: set[str]
    extensions: dict[str, str]  # installed extension -> its schema
    exposed_by_api: str | None  # pgrst.db_schemas, when set
    tables: dict[str, LiveTable] = field(default_factory=dict)
    columns: dict[str, dict[str, LiveColumn]] = field(default_factory=dict)
    indexes: dict[str, dict[str, LiveIndex]] = field(default_factory=dict)
    constraints: dict[str, dict[str, LiveConstraint]] = field(default_factory=dict)
    policies: dict[str, dict[str, LivePolicy]] = field(default_factory=dict)
    # table -> grantee ("public" for PUBLIC) -> privileges, granted on the table or on a column
    grants: dict[str, dict[str, set[str]]] = field(default_factory=dict)
    # the same, granted on the table itself
    table_grants: dict[str, dict[str, set[str]]] = field(default_factory=dict)
    # sequence -> API roles (or "public") holding any privilege on it
    sequence_grants: dict[str, set[str]] = field(default_factory=dict)
    has_migrations_table: bool = False
    applied_migrations: set[tuple[str, str]] = field(default_factory=set)


_SESSION = """
SELECT current_database() AS database, current_user AS current_user, r.rolsuper, r.rolbypassrls,
  ARRAY(SELECT rolname::text FROM pg_catalog.pg_roles WHERE rolname = ANY(%(roles)s)) AS roles_present,
  ARRAY(SELECT rolname::text FROM pg_catalog.pg_roles WHERE rolbypassrls AND rolname = ANY(%(roles)s))
    AS roles_bypassing_rls,
  ARRAY(SELECT nspname::text FROM pg_catalog.pg_namespace WHERE nspname = ANY(%(schemas)s))
    AS schemas_present,
  ARRAY(SELECT name::text FROM pg_catalog.pg_available_extensions WHERE name = ANY(%(extensions)s))
    AS extensions_available,
  current_setting('pgrst.db_schemas', true) AS exposed_by_api,
  to_regclass(format('%%I.django_migrations', %(schema)s::text)) IS NOT NULL AS has_migrations_table
FROM pg_catalog.pg_roles r WHERE r.rolname = current_user
"""
_EXTENSIONS = """
SELECT e.extname::text AS name, n.nspname::text AS schema
FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
"""
# Ordinary and partitioned tables of the exposed schema.
_TABLES_OF_SCHEMA = """
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = %(schema)s AND c.relkind IN ('r', 'p')
"""
_TABLES = (
    """
SELECT c.relname::text AS name, c.relrowsecurity AS rls, c.relforcerowsecurity AS force,
  pg_catalog.pg_get_userbyid(c.relowner)::text AS owner,
  pg_catalog.pg_has_role(current_user, c.relowner, 'USAGE') AS can_alter
"""
    + _TABLES_OF_SCHEMA
)
_COLUMNS = """
SELECT c.relname::text AS table, a.attname::text AS name, a.attnum,
  pg_catalog.format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS not_null
FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = %(schema)s AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
"""
_INDEXES = """
SELECT t.relname::text AS table, i.relname::text AS name, x.indisvalid AS valid, x.indisunique AS unique,
  x.indisprimary AS primary, x.indkey::int2[] AS keys, x.indpred IS NOT NULL AS partial,
  pg_catalog.pg_get_indexdef(x.indexrelid) AS definition
FROM pg_catalog.pg_index x JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid
  JOIN pg_catalog.pg_class t ON t.oid = x.indrelid JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace
WHERE n.nspname = %(schema)s
"""
_CONSTRAINTS = """
SELECT t.relname::text AS table, con.conname::text AS name, con.contype::text AS type,
  con.convalidated AS validated, coalesce(con.conkey, '{}') AS keys
FROM pg_catalog.pg_constraint con JOIN pg_catalog.pg_class t ON t.oid = con.conrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace
WHERE n.nspname = %(schema)s
"""
_POLICIES = """
SELECT c.relname::text AS table, p.polname::text AS name, p.polcmd::text AS command,
  p.polpermissive AS permissive,
  ARRAY(SELECT CASE WHEN r = 0 THEN 'public' ELSE pg_catalog.pg_get_userbyid(r)::text END
        FROM unnest(p.polroles) AS r ORDER BY 1) AS roles,
  pg_catalog.pg_get_expr(p.polqual, p.polrelid) AS using,
  pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid) AS with_check
FROM pg_catalog.pg_policy p JOIN pg_catalog.pg_class c ON c.oid = p.polrelid
WHERE c.relnamespace = {namespace}
"""
# Privileges held by the API roles or PUBLIC, granted on the table or on any of its columns.
_GRANTS = """
WITH acl AS (
  SELECT c.relname::text AS table, g.grantee, g.privilege_type, true AS on_table
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace,
    LATERAL aclexplode(c.relacl) g
  WHERE n.nspname = %(schema)s AND c.relkind IN ('r', 'p')
  UNION
  SELECT c.relname::text, g.grantee, g.privilege_type, false
  FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace, LATERAL aclexplode(a.attacl) g
  WHERE n.nspname = %(schema)s AND c.relkind IN ('r', 'p') AND a.attacl IS NOT NULL
)
SELECT acl.table, privilege_type AS privilege, on_table,
  CASE WHEN grantee = 0 THEN 'public' ELSE pg_catalog.pg_get_userbyid(grantee)::text END AS grantee
FROM acl
WHERE grantee = 0 OR grantee IN (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = ANY(%(api_roles)s))
"""
# Sequences too: default privileges give the API roles USAGE and UPDATE (nextval) on them.
_SEQUENCE_GRANTS = """
SELECT c.relname::text AS sequence,
  CASE WHEN g.grantee = 0 THEN 'public' ELSE pg_catalog.pg_get_userbyid(g.grantee)::text END AS grantee
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace,
  LATERAL aclexplode(c.relacl) g
WHERE n.nspname = %(schema)s AND c.relkind = 'S'
  AND (g.grantee = 0 OR g.grantee IN (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = ANY(%(api_roles)s)))
"""


class Catalog:
    """One reading session on a connection; counts the statements it sends."""

    def __init__(
        self, conn: psycopg.Connection, schema: str, extensions_schema: str, lock_timeout: str = "5s"
    ):
        self.conn = conn
        self.schema = schema
        self.extensions_schema = extensions_schema
        self.lock_timeout = lock_timeout
        self.statements = 0

    def execute(self, sql: str, params: dict | None = None) -> list[dict]:
        self.statements += 1
        with self.conn.cursor(row_factory=dict_row) as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall() if cursor.description else []

    def begin(self) -> None:
        self.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
        # Deparsed expressions depend on search_path: pin it, here and in the
        # delta file, so live and declared policies read the same. A scratch
        # table copies a live one's columns (LIKE): never wait long for it.
        self.execute(
            f"SET LOCAL search_path TO {ident(self.schema)}, {ident(self.extensions_schema)};"
            f" SET LOCAL lock_timeout = {literal(self.lock_timeout)}"
        )

    def rollback(self) -> None:
        self.execute("ROLLBACK")

    def read(self, roles: Iterable[str], api_roles: Sequence[str], extensions: Iterable[str]) -> Snapshot:
        params = {
            "schema": self.schema,
            "roles": sorted(set(roles)),
            "api_roles": list(api_roles),
            "schemas": [self.schema, self.extensions_schema],
            "extensions": sorted(set(extensions)),
        }
        (session,) = self.execute(_SESSION, params)
        snapshot = Snapshot(
            database=session["database"],
            current_user=session["current_user"],
            superuser=session["rolsuper"],
            bypass_rls=session["rolbypassrls"],
            roles_present=set(session["roles_present"]),
            roles_bypassing_rls=set(session["roles_bypassing_rls"]),
            schemas_present=set(session["schemas_present"]),
            extensions_available=set(session["extensions_available"]),
            extensions={row["name"]: row["schema"] for row in self.execute(_EXTENSIONS)},
            exposed_by_api=session["exposed_by_api"] or None,
            has_migrations_table=session["has_migrations_table"],
        )
        for row in self.execute(_TABLES, params):
            snapshot.tables[row["name"]] = LiveTable(**row)
        for row in self.execute(_COLUMNS, params):
            table = row.pop("table")
            snapshot.columns.setdefault(table, {})[row["name"]] = LiveColumn(**row)
        for row in self.execute(_INDEXES, params):
            row["keys"] = tuple(row["keys"])
            snapshot.indexes.setdefault(row["table"], {})[row["name"]] = LiveIndex(**row)
        for row in self.execute(_CONSTRAINTS, params):
            row["keys"] = tuple(row["keys"])
            snapshot.constraints.setdefault(row["table"], {})[row["name"]] = LiveConstraint(**row)
        namespace = f"(SELECT oid FROM pg_catalog.pg_namespace WHERE nspname = {literal(self.schema)})"
        for policy in self._policies(namespace):
            snapshot.policies.setdefault(policy.table, {})[policy.name] = policy
        for row in self.execute(_GRANTS, params):
            for grants in (snapshot.grants, snapshot.table_grants) if row["on_table"] else (snapshot.grants,):
                grants.setdefault(row["table"], {}).setdefault(row["grantee"], set()).add(row["privilege"])
        for row in self.execute(_SEQUENCE_GRANTS, params):
            snapshot.sequence_grants.setdefault(row["sequence"], set()).add(row["grantee"])
        if snapshot.has_migrations_table:
            rows = self.execute(f"SELECT app, name FROM {ident(self.schema)}.django_migrations")
            snapshot.applied_migrations = {(row["app"], row["name"]) for row in rows}
        return snapshot

    def _policies(self, namespace: str) -> list[LivePolicy]:
        policies = []
        for row in self.execute(_POLICIES.format(namespace=namespace)):
            row["command"] = COMMAND_BY_CODE[row["command"]]
            row["roles"] = tuple(row["roles"])
            policies.append(LivePolicy(**row))
        return policies

    def normalise(self, items: Sequence[tuple[str, str, Policy]]) -> dict[tuple[str, str], LivePolicy]:
        """Declared policies as PostgreSQL stores them: ``(table, policy) -> LivePolicy``.

        ``items`` holds ``(table, column definitions, policy)``; each policy is
        created on a scratch temporary table with those columns. Two statements
        whatever the number of policies: one batch that creates, one read.
        """
        if not items:
            return {}
        scratch = {}
        statements = []
        for table, columns, policy in items:
            if table not in scratch:
                scratch[table] = f"bizops_scratch_{len(scratch)}"
                create = f"CREATE TEMPORARY TABLE {ident(scratch[table])} ({columns}) ON COMMIT DROP"
                statements.append(create)
            statements.append(create_policy_sql(policy, f"pg_temp.{ident(scratch[table])}"))
        self.execute("SAVEPOINT bizops_scratch")
        try:
            self.execute(";\n".join(statements))
        except psycopg.Error:
            self.execute("ROLLBACK TO SAVEPOINT bizops_scratch")
            self._name_the_bad_policy(items)
            raise
        table_of = {name: table for table, name in scratch.items()}
        return {
            (table_of[p.table], p.name): p
            for p in self._policies("pg_catalog.pg_my_temp_schema()")
            if p.table in table_of
        }

    def _name_the_bad_policy(self, items: Sequence[tuple[str, str, Policy]]) -> None:
        """One at a time, to say which declared policy PostgreSQL refuses and why."""
        for table, columns, policy in items:
            self.execute("SAVEPOINT bizops_one")
            try:
                self.execute(f"CREATE TEMPORARY TABLE bizops_one ({columns}) ON COMMIT DROP")
                self.execute(create_policy_sql(policy, "pg_temp.bizops_one"))
            except psycopg.Error as exc:
                self.execute("ROLLBACK TO SAVEPOINT bizops_one")
                raise DeclaredPolicyError(
                    f"declared policy {policy.name!r} on {table} is refused by PostgreSQL: "
                    f"{str(exc).splitlines()[0]}"
                ) from exc
            self.execute("ROLLBACK TO SAVEPOINT bizops_one")


class DeclaredPolicyError(ValueError):
    """A declared policy PostgreSQL will not create (a typo in USING, an unknown column)."""


def create_policy_sql(policy: Policy, on: str) -> str:
    roles = ", ".join("PUBLIC" if role == "public" else ident(role) for role in policy.roles)
    kind = "PERMISSIVE" if policy.permissive else "RESTRICTIVE"
    sql = f"CREATE POLICY {ident(policy.name)} ON {on} AS {kind} FOR {policy.command} TO {roles}"
    if policy.using is not None:
        sql += f" USING ({policy.using})"
    if policy.with_check is not None:
        sql += f" WITH CHECK ({policy.with_check})"
    return sql
