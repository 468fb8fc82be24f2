"""What Django's migration state says the database holds, and the statements that make it.

The tables, columns, indexes and constraints come from the state the project's
migrations end in (the state ``migrate`` would leave), rendered by Django's own
schema editor in collect-only mode, so every name (index hashes, ``_like``
indexes, foreign keys) is exactly the one ``migrate`` would choose and later
migrations do not collide with what a delta made. No database is touched here.
"""

from dataclasses import dataclass, field

from django.db import connections, models
from django.db.backends.postgresql.base import DatabaseWrapper
from django.db.migrations.loader import MigrationLoader
from psycopg import sql as pgsql

from bizops.core.sqltext import SchemaStatement, inline_constraint_names, make_idempotent

# Django's PostgreSQL column types, spelt the way format_type() prints them.
_TYPE_SPELLING = [
    ("varchar(", "character varying("),
    ("char(", "character("),
]
_SAME_TYPES = {"time": "time without time zone", "timestamp": "timestamp without time zone"}


def catalog_type(django_type: str) -> str:
    """``varchar(200)`` as PostgreSQL's catalog prints it: ``character varying(200)``."""
    text = " ".join(django_type.split()).lower()
    for django_prefix, catalog_prefix in _TYPE_SPELLING:
        if text.startswith(django_prefix):
            text = catalog_prefix + text[len(django_prefix) :]
    text = text.replace(", ", ",")
    return _SAME_TYPES.get(text, "character varying" if text == "varchar" else text)


def _compose_offline(sql: str, params) -> str:
    """Parameters inlined as literals without a server connection.

    Django's PostgreSQL backend asks a live connection to merge parameters (a
    default value, say); a delta is written before it is known where it runs.
    """
    return sql % tuple(pgsql.Literal(param).as_string(None) for param in params)


def sql_connection() -> DatabaseWrapper:
    """A PostgreSQL backend used only to write SQL; it never connects."""
    settings = connections.configure_settings(
        {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": "bizops_delta_sql_only"}}
    )["default"]
    wrapper = DatabaseWrapper(settings, alias="bizops_delta_sql_only")
    wrapper.ops.compose_sql = _compose_offline
    return wrapper


@dataclass(frozen=True)
class ExpectedColumn:
    name: str
    type: str  # as format_type() prints it
    not_null: bool


@dataclass
class ExpectedTable:
    name: str
    app_label: str
    label: str
    model: type[models.Model]
    columns: dict[str, ExpectedColumn] = field(default_factory=dict)
    create: list[SchemaStatement] = field(default_factory=list)  # CREATE TABLE and its comments
    constraints: dict[str, SchemaStatement] = field(default_factory=dict)
    indexes: dict[str, SchemaStatement] = field(default_factory=dict)


def _collect(schema: str, work) -> list[SchemaStatement]:
    """Run ``work(editor)`` on a collect-only schema editor; its statements, made idempotent."""
    with sql_connection().schema_editor(collect_sql=True, atomic=False) as editor:
        work(editor)
    return [make_idempotent(statement, schema) for statement in editor.collected_sql]


def _own_tables(all_models: list[type[models.Model]]) -> list[type[models.Model]]:
    return [m for m in all_models if m._meta.managed and not m._meta.proxy and not m._meta.swapped]


class ModelState:
    """The tables Django owns: columns, indexes, constraints, and how to create each."""

    def __init__(self, all_models: list[type[models.Model]], schema: str):
        self.schema = schema
        self.tables: dict[str, ExpectedTable] = {}
        own = _own_tables(all_models)
        connection = sql_connection()
        for model in own:
            columns = {}
            for model_field in model._meta.local_concrete_fields:
                db_type = model_field.db_parameters(connection)["type"]
                if db_type:
                    columns[model_field.column] = ExpectedColumn(
                        model_field.column, catalog_type(db_type), not model_field.null
                    )
            self.tables[model._meta.db_table] = ExpectedTable(
                name=model._meta.db_table,
                app_label=model._meta.app_label,
                label=model._meta.label,
                model=model,
                columns=columns,
            )
        # One editor for every model, as migrate would run them: auto-created
        # many-to-many tables are made by their owner's create_model.
        owners = [m for m in own if not m._meta.auto_created]
        for statement in _collect(schema, lambda editor: [editor.create_model(m) for m in owners]):
            table = self.tables.get(statement.table)
            if table is None:
                continue
            if statement.kind in ("table", "comment"):
                table.create.append(statement)
                for name in inline_constraint_names(statement.sql) if statement.kind == "table" else ():
                    self._inline_constraint(table, name)
            elif statement.kind == "constraint":
                table.constraints[statement.name] = statement
            elif statement.kind == "index":
                table.indexes[statement.name] = statement

    def _inline_constraint(self, table: ExpectedTable, name: str) -> None:
        """A Meta.constraints entry written inside CREATE TABLE, as the statement adding it later."""
        for constraint in table.model._meta.constraints:
            if constraint.name == name:
                statements = _collect(self.schema, lambda e, c=constraint: e.add_constraint(table.model, c))
                for statement in statements:
                    target = table.indexes if statement.kind == "index" else table.constraints
                    target[statement.name] = statement

    @property
    def tables_by_app(self) -> dict[str, list[str]]:
        grouped: dict[str, list[str]] = {}
        for table in self.tables.values():
            grouped.setdefault(table.app_label, []).append(table.name)
        return grouped

    def add_column(self, table: str, column: str) -> list[SchemaStatement]:
        """What Django's schema editor runs to add ``column`` (with its indexes and foreign key)."""
        expected = self.tables[table]
        model_field = next(f for f in expected.model._meta.local_concrete_fields if f.column == column)
        return _collect(self.schema, lambda editor: editor.add_field(expected.model, model_field))


class Migrations:
    """The project's migrations, and which of them a database has recorded."""

    def __init__(self) -> None:
        self.loader = MigrationLoader(None, ignore_no_migrations=True)
        plan: dict[tuple[str, str], None] = {}  # ordered, without repeats
        for leaf in sorted(self.loader.graph.leaf_nodes()):
            plan.update(dict.fromkeys(self.loader.graph.forwards_plan(leaf)))
        self.plan = list(plan)
        self.replacements = {key: list(m.replaces) for key, m in self.loader.replacements.items()}

    def _is_applied(self, key: tuple[str, str], applied: set[tuple[str, str]]) -> bool:
        replaced = self.replacements.get(key)
        return key in applied or bool(replaced and all(r in applied for r in replaced))

    def unapplied(self, applied: set[tuple[str, str]]) -> list[str]:
        """Migrations of the project the database has not recorded, in the order migrate runs them."""
        return [f"{app}.{name}" for app, name in self.plan if not self._is_applied((app, name), applied)]

    def model_state(self, schema: str, applied: set[tuple[str, str]] | None = None) -> ModelState:
        """The tables as the recorded migrations leave them (all of them when ``applied`` is None).

        Objects of migrations not yet applied are left to ``migrate``: were the
        delta to make them first, ``migrate`` would then fail on them.
        """
        if applied is None:
            state = self.loader.project_state()
        else:
            nodes = [key for key in self.plan if self._is_applied(key, applied)]
            state = self.loader.project_state(nodes=nodes) if nodes else None
        all_models = list(state.apps.get_models(include_auto_created=True)) if state else []
        return ModelState(all_models, schema)
