"""SQL text helpers: quoting, and turning Django's schema statements idempotent.

Django's schema editor writes plain ``CREATE TABLE``, ``CREATE INDEX`` and
``ALTER TABLE ... ADD ...``; a delta must be safe to apply twice, so each is
rewritten with ``IF NOT EXISTS`` or, where PostgreSQL has none (constraints,
policies), guarded by a ``DO`` block that looks in the catalog first. A
statement of any other shape is refused rather than emitted unguarded.
"""

import re
from dataclasses import dataclass

DOLLAR_TAG = "$bizops$"


def ident(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    """A quoted SQL string literal (standard_conforming_strings is on since PostgreSQL 9.1)."""
    return "'" + text.replace("'", "''") + "'"


def qualified(schema: str, table: str) -> str:
    return f"{ident(schema)}.{ident(table)}"


def do_block(body: str) -> str:
    """``body`` run as an anonymous PL/pgSQL block."""
    tag = DOLLAR_TAG
    while tag in body:
        # The body holds the tag itself (a policy expression, say): pick another.
        tag = tag[:-1] + "x$"
    return f"DO {tag}\nBEGIN\n{body}\nEND\n{tag};"


# Calls whose value is the same for every row: a policy should compute them once
# per statement, as an initPlan, by wrapping them in a sub-select.
ROW_INDEPENDENT_CALL = re.compile(
    r"\b(auth\s*\.\s*(?:uid|jwt|role|email)\s*\(\s*\)|current_setting\s*\()", re.IGNORECASE
)
_WRAPPED_BEFORE = re.compile(r"select\s*$", re.I)


def unwrapped_calls(expression: str | None) -> list[str]:
    """The ``auth.uid()``-like calls in ``expression`` not wrapped as ``(select auth.uid())``.

    Works on what a person writes and on PostgreSQL's deparsed text, which
    spells the wrapped form ``( SELECT auth.uid() AS uid)``.
    """
    if not expression:
        return []
    found = []
    for match in ROW_INDEPENDENT_CALL.finditer(expression):
        if not _WRAPPED_BEFORE.search(expression[: match.start()]):
            found.append(re.sub(r"\s+", "", match.group(1)).lower())
    return found


@dataclass(frozen=True)
class SchemaStatement:
    """One of Django's schema statements, classified and made idempotent."""

    kind: str  # table, column, constraint, index, comment, default
    table: str
    name: str  # the column, constraint or index name ("" for tables and comments)
    sql: str


_CREATE_TABLE = re.compile(r'^CREATE TABLE "(?P<table>[^"]+)" \(')
_CREATE_INDEX = re.compile(r'^CREATE (?P<unique>UNIQUE )?INDEX "(?P<name>[^"]+)" ON "(?P<table>[^"]+)"')
_ADD_COLUMN = re.compile(r'^ALTER TABLE "(?P<table>[^"]+)" ADD COLUMN "(?P<name>[^"]+)" ')
_ADD_CONSTRAINT = re.compile(r'^ALTER TABLE "(?P<table>[^"]+)" ADD CONSTRAINT "(?P<name>[^"]+)" ')
_DROP_DEFAULT = re.compile(r'^ALTER TABLE "(?P<table>[^"]+)" ALTER COLUMN "(?P<name>[^"]+)" DROP DEFAULT;?$')
_COMMENT = re.compile(r'^COMMENT ON (?:TABLE|COLUMN) "(?P<table>[^"]+)"')


class UnsupportedStatement(ValueError):
    """A schema statement the delta cannot make idempotent."""


def make_idempotent(statement: str, schema: str) -> SchemaStatement:
    """Classify one of Django's statements and rewrite it to be harmless when repeated."""
    sql = statement.strip()
    if not sql.endswith(";"):
        sql += ";"
    if match := _CREATE_TABLE.match(sql):
        return SchemaStatement(
            "table", match["table"], "", sql.replace("CREATE TABLE ", "CREATE TABLE IF NOT EXISTS ", 1)
        )
    if match := _CREATE_INDEX.match(sql):
        prefix = f"CREATE {match['unique'] or ''}INDEX "
        return SchemaStatement(
            "index", match["table"], match["name"], sql.replace(prefix, prefix + "IF NOT EXISTS ", 1)
        )
    if match := _ADD_COLUMN.match(sql):
        sql = sql.replace(" ADD COLUMN ", " ADD COLUMN IF NOT EXISTS ", 1)
        return SchemaStatement("column", match["table"], match["name"], sql)
    if match := _ADD_CONSTRAINT.match(sql):
        table, name = match["table"], match["name"]
        guard = (
            "  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint"
            f" WHERE conrelid = {literal(qualified(schema, table))}::regclass"
            f" AND conname = {literal(name)}) THEN\n    {sql}\n  END IF;"
        )
        return SchemaStatement("constraint", table, name, do_block(guard))
    if match := _DROP_DEFAULT.match(sql):
        return SchemaStatement("default", match["table"], match["name"], sql)
    if match := _COMMENT.match(sql):
        return SchemaStatement("comment", match["table"], "", sql)
    raise UnsupportedStatement(f"cannot make this schema statement idempotent: {sql[:200]}")


def inline_constraint_names(sql: str) -> list[str]:
    """Names of constraints declared inline (``CONSTRAINT "name" ...``) in a statement."""
    return re.findall(r'CONSTRAINT "([^"]+)"', sql)


def index_signature(definition: str) -> str:
    """An index definition with its name, schema, quoting and access method left out.

    Two indexes with one signature index the same columns the same way: used
    to notice an index Django expects that exists under another name.
    """
    text = re.sub(r"\bIF NOT EXISTS\s+", "", definition.strip().rstrip(";"))
    head = r"^(CREATE (?:UNIQUE )?INDEX)\s+(?:CONCURRENTLY\s+)?\S+\s+ON\s+(?:ONLY\s+)?"
    text = re.sub(head, r"\1 ON ", text)
    text = text.replace('"', "")
    text = re.sub(r"\bON \w+\.", "ON ", text)
    text = re.sub(r"\s+USING btree\s*", " ", text)
    return re.sub(r"\s+", " ", text).strip().lower()
