"""The delta: the declaration and Django's model state compared with one live database.

``plan()`` reads the catalog (a fixed number of queries, in one rolled-back
transaction) and returns a ``Delta``: the changes that would make the
database match, each with idempotent statements, plus what is only reported
(unapplied migrations, undeclared policies unless pruned, column type
differences) and what forbids a delta altogether (missing roles, tables
without a declaration).
"""

from dataclasses import dataclass, replace

import psycopg
from django.conf import settings

from bizops.core.declaration import (
    API_ROLES,
    SUPABASE_ROLES,
    SecurityRegistry,
    TableSecurity,
    rls,
    undeclared,
)
from bizops.core.sqltext import ident, qualified
from bizops.supabase.catalog import Catalog, Snapshot
from bizops.supabase.changes import ERROR, WARNING, Delta, Finding
from bizops.supabase.diff_schema import extension_changes, migration_findings, table_changes
from bizops.supabase.diff_security import policy_changes, privilege_changes, rls_changes, sequence_changes
from bizops.supabase.expected import Migrations, ModelState


@dataclass(frozen=True)
class Config:
    schema: str
    extensions_schema: str
    required_extensions: tuple[str, ...]
    lock_timeout: str

    @classmethod
    def from_settings(cls) -> "Config":
        return cls(
            schema=settings.SUPABASE_SCHEMA,
            extensions_schema=settings.SUPABASE_EXTENSIONS_SCHEMA,
            required_extensions=tuple(settings.SUPABASE_REQUIRED_EXTENSIONS),
            lock_timeout=settings.SUPABASE_LOCK_TIMEOUT,
        )


def _roles_needed(declared: dict[str, TableSecurity]) -> set[str]:
    named = {role for d in declared.values() for policy in d.policies for role in policy.roles}
    return (set(SUPABASE_ROLES) | named) - {"public"}


def _role_findings(snapshot: Snapshot, roles: set[str]) -> tuple[list[Finding], list[Finding]]:
    blockers = [
        Finding(
            ERROR,
            "missing_role",
            f"role {role}",
            "does not exist: this is not a Supabase database, or the role was dropped",
            "point --database-url at the Supabase database (locally: create the roles, see "
            "bizops/supabase/emulation.py)",
        )
        for role in sorted(roles - snapshot.roles_present)
    ]
    findings = []
    if "service_role" in snapshot.roles_present and "service_role" not in snapshot.roles_bypassing_rls:
        findings.append(
            Finding(WARNING, "service_role_rls", "role service_role", "does not bypass row level security")
        )
    return blockers, findings


def _comparable(declared, snapshot: Snapshot, model_state: ModelState, schema: str) -> list:
    """Declared policies with a live namesake, with the columns of a scratch twin of their table."""
    items = []
    for table, declaration in declared.items():
        live = snapshot.policies.get(table, {})
        if table not in snapshot.tables or not any(p.name in live for p in declaration.policies):
            continue
        expected = model_state.tables.get(table)
        if expected and expected.columns:
            columns = ", ".join(f"{ident(c.name)} {c.type}" for c in expected.columns.values())
        else:
            columns = f"LIKE {qualified(schema, table)}"
        items += [(table, columns, policy) for policy in declaration.policies if policy.name in live]
    return items


def plan(
    conn: psycopg.Connection,
    config: Config | None = None,
    *,
    registry: SecurityRegistry | None = None,
    migrations: Migrations | None = None,
    models: list | None = None,
    prune: bool = False,
) -> Delta:
    """Compare; ``models`` replaces the project's migration state (benchmarks, tests)."""
    config = config or Config.from_settings()
    registry = registry if registry is not None else rls
    if models is None:
        migrations = migrations or Migrations()
        project = migrations.model_state(config.schema)
    else:
        migrations, project = None, ModelState(models, config.schema)
    declared = registry.resolve(project.tables_by_app)
    roles = _roles_needed(declared)
    catalog = Catalog(conn, config.schema, config.extensions_schema, config.lock_timeout)
    catalog.begin()
    try:
        snapshot = catalog.read(roles, API_ROLES, config.required_extensions)
        model_state, unapplied = project, []
        if migrations is not None:
            applied = snapshot.applied_migrations if snapshot.has_migrations_table else None
            if applied is not None:
                model_state = migrations.model_state(config.schema, applied)
            unapplied = migrations.unapplied(applied or set())
        delta = Delta(database=snapshot.database, snapshot=snapshot, declared=declared)
        delta.blockers, delta.findings = _role_findings(snapshot, roles)
        normalised = {}
        if not delta.blockers:
            normalised = catalog.normalise(_comparable(declared, snapshot, model_state, config.schema))
    finally:
        if not conn.closed:
            catalog.rollback()
    delta.statements_sent = catalog.statements
    _compare(delta, config, project, model_state, snapshot, normalised, prune)
    delta.findings += migration_findings(unapplied, snapshot.has_migrations_table)
    return delta


def _compare(
    delta: Delta,
    config: Config,
    project: ModelState,
    model_state: ModelState,
    snapshot: Snapshot,
    normalised: dict,
    prune: bool,
) -> None:
    schema, declared = config.schema, delta.declared
    for table in undeclared(declared, project.tables_by_app):
        delta.blockers.append(
            Finding(
                ERROR,
                "undeclared_table",
                table,
                "has no row level security declaration",
                "declare it in its app's rls.py (rls.service_only(app) or rls.table(Model, ...))",
            )
        )
    for table, declaration in declared.items():
        if table not in project.tables and not declaration.optional:
            delta.blockers.append(
                Finding(
                    ERROR,
                    "unknown_table",
                    table,
                    f"is declared ({declaration.origin}) but no model owns it: mark it optional or remove it",
                )
            )
    changes, blockers = extension_changes(
        snapshot, list(config.required_extensions), config.extensions_schema
    )
    delta.changes += changes
    delta.blockers += blockers
    changes, findings = table_changes(model_state, snapshot, schema)
    delta.changes += changes
    delta.findings += findings
    # Hand-made tables in the exposed schema: secured like a service-only
    # table, and reported, since only a declaration says what they are for.
    secured = dict(declared)
    for table in snapshot.tables:
        if table not in declared:
            secured[table] = TableSecurity(table, origin="undeclared")
            delta.findings.append(
                Finding(
                    ERROR,
                    "undeclared_table",
                    f"{schema}.{table}",
                    "is in the exposed schema but no model or declaration owns it (the delta keeps the API "
                    "roles out of it)",
                    "declare it (rls.table(name, optional=True)) or drop it",
                )
            )
    for table, declaration in secured.items():
        if table not in snapshot.tables and table not in model_state.tables:
            continue  # optional and absent, or left to an unapplied migration
        delta.changes += rls_changes(declaration, snapshot, schema)
        delta.changes += privilege_changes(declaration, snapshot, schema)
        changes, findings = policy_changes(declaration, snapshot, schema, normalised, prune)
        delta.changes += changes
        delta.findings += findings
    tables_created = any(change.code == "missing_table" for change in delta.changes)
    delta.changes += sequence_changes(snapshot, schema, tables_created)
    delta.changes = [_with_table(change, schema) for change in delta.changes]
    for table in sorted({c.table for c in delta.changes if c.table in snapshot.tables}):
        if not snapshot.tables[table].can_alter:
            owner = snapshot.tables[table].owner
            delta.blockers.append(
                Finding(
                    ERROR,
                    "not_owner",
                    f"{schema}.{table}",
                    f"needs changes but is owned by {owner}, which {snapshot.current_user} cannot act as",
                    f"connect as {owner}, or ALTER TABLE ... OWNER TO {snapshot.current_user}",
                )
            )


def _with_table(change, schema: str):
    """The table a change alters, read from its target (schema.table[.column| ...])."""
    prefix = f"{schema}."
    if change.table or not change.target.startswith(prefix):
        return change
    name = change.target[len(prefix) :].split(" ", 1)[0].split(".", 1)[0]
    return replace(change, table=name)
