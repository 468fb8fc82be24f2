"""Extensions, tables, columns, constraints and indexes: the model state against the catalog."""

from bizops.core.sqltext import (
    do_block,
    ident,
    index_signature,
    inline_constraint_names,
    literal,
    qualified,
)
from bizops.supabase.catalog import Snapshot
from bizops.supabase.changes import (
    COLUMN,
    CONSTRAINT,
    ERROR,
    EXTENSION,
    INDEX,
    INDEX_DROP,
    SCHEMA,
    TABLE,
    WARNING,
    Change,
    Finding,
    Statement,
)
from bizops.supabase.expected import ExpectedTable, ModelState

_PHASE_BY_KIND = {"table": TABLE, "comment": TABLE, "column": COLUMN, "default": COLUMN}


def extension_changes(
    snapshot: Snapshot, required: list[str], extensions_schema: str
) -> tuple[list[Change], list[Finding]]:
    changes, blockers = [], []
    missing = [name for name in required if name not in snapshot.extensions]
    if missing and extensions_schema not in snapshot.schemas_present:
        changes.append(
            Change(
                "missing_schema",
                f"schema {extensions_schema}",
                "the schema extensions are created in is missing",
                (Statement(SCHEMA, f"CREATE SCHEMA IF NOT EXISTS {ident(extensions_schema)};"),),
            )
        )
    for name in missing:
        if name not in snapshot.extensions_available:
            blockers.append(
                Finding(
                    ERROR,
                    "unavailable_extension",
                    f"extension {name}",
                    "is required (SUPABASE_REQUIRED_EXTENSIONS) but this server does not offer it",
                    "enable it in the Supabase dashboard, or install it on the server",
                )
            )
            continue
        sql = f"CREATE EXTENSION IF NOT EXISTS {ident(name)} WITH SCHEMA {ident(extensions_schema)};"
        changes.append(
            Change("missing_extension", f"extension {name}", "is not installed", (Statement(EXTENSION, sql),))
        )
    return changes, blockers


def _phase(kind: str) -> int:
    return _PHASE_BY_KIND.get(kind, INDEX if kind == "index" else CONSTRAINT)


def _missing_table(table: ExpectedTable, target: str) -> Change:
    statements = [Statement(TABLE, s.sql) for s in table.create]
    statements += [Statement(CONSTRAINT, s.sql) for s in table.constraints.values()]
    statements += [Statement(INDEX, s.sql) for s in table.indexes.values()]
    return Change("missing_table", target, f"table of {table.label} is missing", tuple(statements))


def _drop_if_invalid(schema: str, index: str) -> str:
    name = literal(qualified(schema, index))
    return do_block(
        "  IF EXISTS (SELECT 1 FROM pg_catalog.pg_index"
        f" WHERE indexrelid = to_regclass({name}) AND NOT indisvalid) THEN\n"
        f"    DROP INDEX {qualified(schema, index)};\n  END IF;"
    )


def table_changes(
    model_state: ModelState, snapshot: Snapshot, schema: str
) -> tuple[list[Change], list[Finding]]:
    """Tables, columns, constraints and indexes the model state has and the database lacks."""
    changes: list[Change] = []
    findings: list[Finding] = []
    for table in model_state.tables.values():
        target = f"{schema}.{table.name}"
        if table.name not in snapshot.tables:
            changes.append(_missing_table(table, target))
            continue
        live_columns = snapshot.columns.get(table.name, {})
        made_with_columns: set[str] = set()  # index and constraint names an added column brings
        for column in table.columns.values():
            live = live_columns.get(column.name)
            if live is None:
                statements = model_state.add_column(table.name, column.name)
                for statement in statements:
                    made_with_columns.add(statement.name)
                    made_with_columns.update(inline_constraint_names(statement.sql))
                add = next(s.sql for s in statements if s.kind == "column")
                hazard = ""
                if column.not_null and " DEFAULT " not in add:
                    hazard = (
                        f"NOT NULL without a default: fails (and changes nothing) if {table.name} has rows"
                    )
                changes.append(
                    Change(
                        "missing_column",
                        f"{target}.{column.name}",
                        "column is missing",
                        tuple(Statement(_phase(s.kind), s.sql) for s in statements),
                        hazard=hazard,
                    )
                )
            elif (live.type, live.not_null) != (column.type, column.not_null):
                findings.append(
                    Finding(
                        WARNING,
                        "column_differs",
                        f"{target}.{column.name}",
                        f"is {live.type}{' NOT NULL' if live.not_null else ''}, the model says "
                        f"{column.type}{' NOT NULL' if column.not_null else ''}",
                        "write a migration (the delta never rewrites a column)",
                    )
                )
        live_constraints = snapshot.constraints.get(table.name, {})
        for name, statement in table.constraints.items():
            if name not in live_constraints and name not in made_with_columns:
                changes.append(
                    Change(
                        "missing_constraint",
                        f"{target} constraint {name}",
                        "constraint is missing",
                        (Statement(CONSTRAINT, statement.sql),),
                    )
                )
        changes += _index_changes(table, snapshot, schema, target, made_with_columns, findings)
    return changes, findings


def _index_changes(
    table: ExpectedTable,
    snapshot: Snapshot,
    schema: str,
    target: str,
    made_with_columns: set[str],
    findings: list[Finding],
) -> list[Change]:
    changes = []
    live_indexes = snapshot.indexes.get(table.name, {})
    by_signature = {index_signature(i.definition): i.name for i in live_indexes.values() if i.valid}
    for name, statement in table.indexes.items():
        if name in made_with_columns:
            continue
        live = live_indexes.get(name)
        if live is None:
            other = by_signature.get(index_signature(statement.sql))
            if other:
                findings.append(
                    Finding(
                        WARNING,
                        "index_name_drift",
                        f"{target} index {name}",
                        f"exists under another name, {other}: a later migration naming {name} would fail",
                        f"ALTER INDEX {qualified(schema, other)} RENAME TO {ident(name)}",
                    )
                )
                continue
            changes.append(
                Change(
                    "missing_index",
                    f"{target} index {name}",
                    "index is missing",
                    (Statement(INDEX, statement.sql),),
                )
            )
        elif not live.valid:
            changes.append(
                Change(
                    "invalid_index",
                    f"{target} index {name}",
                    "index is invalid (a failed CREATE INDEX CONCURRENTLY?): PostgreSQL does not use it",
                    (Statement(INDEX_DROP, _drop_if_invalid(schema, name)), Statement(INDEX, statement.sql)),
                )
            )
    return changes


def migration_findings(unapplied: list[str], has_history: bool) -> list[Finding]:
    """Unapplied migrations, by name: their objects are left to ``migrate``."""
    if not has_history and unapplied:
        return [
            Finding(
                WARNING,
                "unapplied_migration",
                "django_migrations",
                f"no migration is recorded in this database ({len(unapplied)} unapplied: "
                f"{', '.join(unapplied)})",
                "python manage.py migrate",
            )
        ]
    return [
        Finding(WARNING, "unapplied_migration", name, "is not applied", "python manage.py migrate")
        for name in unapplied
    ]
