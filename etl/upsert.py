"""Idempotent bulk upserts on a two-column natural key, two ways.

- ``upsert_objects``: ``bulk_create(update_conflicts=True)``, on any database
  (``INSERT ... ON CONFLICT DO UPDATE``).
- ``copy_merge``: PostgreSQL only, and measured several times faster
  (``bench/etl_loader.py``). A batch that follows an all-new batch is first
  tried as a plain ``COPY`` inside a savepoint, so a backfill pays nothing
  more. Otherwise (or when a key turns out to exist) one indexed lookup finds
  the existing keys; new rows go in by ``COPY`` straight into the table (COPY
  inserts in multi-row batches, which ``INSERT ... SELECT`` cannot) and
  existing ones are ``COPY``'d into a temporary table (not WAL-logged) and
  written by one ``MERGE ... WHEN MATCHED AND <row differs>`` (PostgreSQL 15+;
  ``ETL_COPY_MERGE=on_conflict``: one ``INSERT ... SELECT ... ON CONFLICT DO
  UPDATE ... WHERE <row differs>``). A row equal to the stored one is not
  written: no new row version, no index entries, no WAL. A concurrent insert of the
  same key between the lookup and the COPY would fail the batch on the unique
  constraint and roll it back whole, never write a duplicate; the job lock
  (one pull per source at a time) keeps that from happening.

Both must run inside the caller's transaction.
"""

import functools
from collections.abc import Sequence

from django.conf import settings
from django.db import connection, models, transaction
from psycopg.errors import UniqueViolation


def upsert_objects(
    model: type[models.Model], objs: list[models.Model], unique: Sequence[str], update: Sequence[str]
) -> list[models.Model]:
    if not objs:
        return []
    return model.objects.bulk_create(
        objs, update_conflicts=True, unique_fields=list(unique), update_fields=list(update), batch_size=2000
    )


@functools.cache
def _copy_types(model: type[models.Model], columns: tuple[str, ...]) -> list[str]:
    """PostgreSQL type names of ``columns`` for a binary COPY ("numeric(18, 4)" -> "numeric")."""
    fields = {f.column: f for f in model._meta.concrete_fields}
    return [fields[c].db_type(connection).split("(")[0].strip() for c in columns]


def _copy_rows(cursor, target: str, columns: Sequence[str], types: list[str], rows: Sequence[tuple]) -> None:
    # Binary COPY: psycopg's C dumpers skip the text formatting of every value.
    with cursor.cursor.copy(f"COPY {target} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types(types)
        for row in rows:
            copy.write_row(row)


def int_array(values) -> str:
    """A PostgreSQL array literal of integers ("{1,2,3}"), for a ``%s::bigint[]`` parameter.

    Passed as one string: Django's cursor binds on the client, and a list of
    5,000 integers would be dumped element by element (most of a batch's
    lookup time); ``str.join`` builds the same array in a few microseconds.
    """
    return "{" + ",".join(map(str, values)) + "}"


def _ids(
    cursor, table: str, unique: Sequence[str], types: Sequence[str], keys: set[tuple]
) -> dict[tuple, int]:
    """{key: pk} of the rows that exist: one unique-index probe per key.

    Both key columns come from the unnested arrays, so the unique index is the
    only one that fits: with a constant for the first column the planner may
    pick that column's own index from stale statistics and scan the table.
    """
    first, second = unique  # the second is an integer; so is the first when it varies
    pairs = list(keys)
    firsts = {k[0] for k in pairs}
    if len(firsts) == 1:  # one shop (or one order): let the server repeat it
        source = f"unnest(array_fill(%s::{types[0]}, ARRAY[%s]), %s::{types[1]}[])"
        params = [next(iter(firsts)), len(pairs), int_array(k[1] for k in pairs)]
    else:
        source = f"unnest(%s::{types[0]}[], %s::{types[1]}[])"
        params = [int_array(k[0] for k in pairs), int_array(k[1] for k in pairs)]
    cursor.execute(
        f"SELECT t.id, t.{first}, t.{second} FROM {source} AS k(a, b) "  # noqa: S608
        f"JOIN {table} t ON t.{first} = k.a AND t.{second} = k.b",
        params,
    )
    return {(a, b): pk for pk, a, b in cursor.fetchall()}


# Per table (and process): whether the last batch held only new rows. Then the next
# one is tried as a plain COPY, which is all a backfill needs.
_expect_new: dict[str, bool] = {}


def copy_merge(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Sequence[tuple],
    unique: Sequence[str],
    *,
    insert_only: Sequence[str] = (),
    want_ids: bool = True,
) -> dict[tuple, int]:
    """Upsert ``rows`` (tuples in ``columns`` order, unique on the two ``unique`` columns).

    Columns in ``insert_only`` are written for new rows and left alone on
    existing ones (a later step owns them). Returns {key: pk} (only the existing
    rows' when ``want_ids`` is False).
    """
    if not rows:
        return {}
    table = model._meta.db_table
    at = [columns.index(c) for c in unique]
    cols = ", ".join(columns)
    types = _copy_types(model, tuple(columns))
    key_types = [types[i] for i in at]
    # wrap_database_errors: the raw COPY raises psycopg's errors; callers see Django's.
    with connection.cursor() as cursor, connection.wrap_database_errors:
        if _expect_new.get(table, True):
            # The last batch was all new rows (a backfill): try this one as a plain COPY
            # first; if a key exists already, the savepoint undoes it and we merge.
            try:
                with transaction.atomic():
                    _copy_rows(cursor, table, columns, types, rows)
                if not want_ids:
                    return {}
                return _ids(cursor, table, unique, key_types, {(r[at[0]], r[at[1]]) for r in rows})
            except UniqueViolation:
                _expect_new[table] = False
        # A batch touches a few thousand keys of a large table: probe the unique index
        # per key. Left alone, the planner trusts statistics that a bulk load makes
        # stale (a freshly filled table looks empty) and scans the whole table for
        # every batch, which turns a long backfill quadratic. For this transaction only.
        # With seqscan "off", the staging table's (only possible) scan costs 10^10, which
        # crosses jit_above_cost: JIT compilation then took ~95 of a batch's ~105 ms.
        cursor.execute(
            "SET LOCAL enable_seqscan = off; SET LOCAL enable_hashjoin = off; "
            "SET LOCAL enable_mergejoin = off; SET LOCAL jit = off"
        )
        keys = {(row[at[0]], row[at[1]]) for row in rows}
        existing = _ids(cursor, table, unique, key_types, keys)
        _expect_new[table] = not existing
        fresh = [row for row in rows if (row[at[0]], row[at[1]]) not in existing]
        stale = [row for row in rows if (row[at[0]], row[at[1]]) in existing]
        if fresh:
            _copy_rows(cursor, table, columns, types, fresh)
        if stale:
            _stage(cursor, table, cols, columns, types, stale)
            _apply_staged(cursor, table, columns, unique, insert_only, merge=_statement() == "merge")
        if fresh and want_ids:
            existing.update(_ids(cursor, table, unique, key_types, keys - set(existing)))
    return existing


def _statement() -> str:
    """How staged rows are written: "on_conflict" or "merge" (``ETL_COPY_MERGE``)."""
    how = settings.ETL_COPY_MERGE
    if how not in STATEMENTS:
        raise ValueError(f"unknown ETL_COPY_MERGE {how!r}: use one of {', '.join(STATEMENTS)}")
    if how == "merge" and connection.pg_version < 150000:  # MERGE arrived in PostgreSQL 15
        return "on_conflict"
    return how


STATEMENTS = ("merge", "on_conflict")


def _stage(cursor, table: str, cols: str, columns: Sequence[str], types: list[str], rows) -> None:
    """COPY ``rows`` into this table's temporary staging table (not WAL-logged, emptied at commit)."""
    staging = f"etl_stage_{table}"
    # Only the loaded columns, no constraints or defaults.
    cursor.execute(
        f"CREATE TEMP TABLE IF NOT EXISTS {staging} ON COMMIT DELETE ROWS AS "  # noqa: S608
        f"SELECT {cols} FROM {table} WITH NO DATA"
    )
    # Emptied at commit; DELETE, not TRUNCATE, which would give the table a new file each time.
    cursor.execute(f"DELETE FROM {staging}")  # noqa: S608
    _copy_rows(cursor, staging, columns, types, rows)


def _apply_staged(
    cursor,
    table: str,
    columns: Sequence[str],
    unique: Sequence[str],
    insert_only: Sequence[str],
    *,
    merge: bool,
) -> None:
    """Write the staged rows into ``table``; a row equal to the stored one is not written at all.

    Compared with ``IS DISTINCT FROM`` (NULL-safe) on the columns an update
    sets: an unchanged row costs an index probe, no new row version, no WAL.
    ``merge``: one ``MERGE`` (PostgreSQL 15+) that also inserts the new rows;
    otherwise ``INSERT ... SELECT ... ON CONFLICT DO UPDATE ... WHERE``, which
    PostgreSQL runs by locking each conflicting row before it checks the
    ``WHERE`` (a lock is a WAL record and a dirtied page, even for an unchanged
    row); ``bench/etl_loader.py`` measures the two side by side.
    """
    staging = f"etl_stage_{table}"
    cols = ", ".join(columns)
    changing = [c for c in columns if c not in unique and c not in insert_only]
    stored = ", ".join(f"t.{c}" for c in changing)
    if merge:
        on = " AND ".join(f"t.{c} = s.{c}" for c in unique)
        pulled = ", ".join(f"s.{c}" for c in changing)
        sets = ", ".join(f"{c} = s.{c}" for c in changing)
        values = ", ".join(f"s.{c}" for c in columns)
        cursor.execute(
            f"MERGE INTO {table} AS t USING {staging} AS s ON {on} "  # noqa: S608
            f"WHEN MATCHED AND ({stored}) IS DISTINCT FROM ({pulled}) THEN UPDATE SET {sets} "
            f"WHEN NOT MATCHED THEN INSERT ({cols}) VALUES ({values})"
        )
        return
    pulled = ", ".join(f"EXCLUDED.{c}" for c in changing)
    sets = ", ".join(f"{c} = EXCLUDED.{c}" for c in changing)
    # ON CONFLICT probes the unique index row by row, whatever the statistics
    # say; an UPDATE ... FROM join is at the planner's mercy (measured slower).
    cursor.execute(
        f"INSERT INTO {table} AS t ({cols}) SELECT {cols} FROM {staging} "  # noqa: S608
        f"ON CONFLICT ({', '.join(unique)}) DO UPDATE SET {sets} WHERE ({stored}) IS DISTINCT FROM ({pulled})"
    )
