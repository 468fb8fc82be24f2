"""Idempotent bulk upserts on a two-column natural key, two ways.

- ``upsert_objects``: ``bulk_create(update_conflicts=True)``, on any database
  (``INSERT ... ON CONFLICT DO UPDATE``).
- ``copy_merge``: PostgreSQL only, and measured several times faster
  (``bench/etl_loader.py``). A batch that follows an all-new batch is first
  tried as a plain ``COPY`` inside a savepoint, so a backfill pays nothing
  more. Otherwise (or when a key turns out to exist) one indexed lookup finds
  the existing keys, their pks and, for a table that keeps one, the digest of
  the source each row was written from:

  - new rows go in by ``COPY`` straight into the table (COPY inserts in
    multi-row batches, which ``INSERT ... SELECT`` cannot);
  - an existing row whose digest equals the incoming one's is not sent at all:
    no COPY, no statement, no write;
  - the other existing rows are ``COPY``'d into a temporary table (not
    WAL-logged) with the pk the lookup found and written by one ``MERGE ... ON
    t.id = s.id WHEN MATCHED AND <row differs>`` (PostgreSQL 15+;
    ``ETL_COPY_MERGE=on_conflict``: one ``INSERT ... SELECT ... ON CONFLICT
    (id) DO UPDATE ... WHERE <row differs>``). A row equal to the stored one is
    not written: no new row version, no index entries, no WAL.

  A concurrent insert of the same key between the lookup and the COPY would
  fail the batch on the unique constraint and roll it back whole, never write
  a duplicate; the job lock (one pull per source at a time) keeps that from
  happening.

Both must run inside the caller's transaction.
"""

import functools
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

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


# Per table (and process): whether the last batch held only new rows. Then the next
# one is tried as a plain COPY, which is all a backfill needs.
_expect_new: dict[str, bool] = {}


@dataclass
class Merged:
    """What ``copy_merge`` did with a batch, by natural key."""

    ids: dict[tuple, int]  # every row's pk when asked for (``want_ids``), else the existing rows'
    written: set[tuple]  # rows inserted, or sent to be updated (all but those whose digest matched)
    existed: set[tuple]  # rows that were in the table before the batch


def copy_merge(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Sequence[tuple],
    unique: Sequence[str],
    *,
    want_ids: bool = True,
    digest: str | None = None,
) -> Merged:
    """Upsert ``rows`` (tuples in ``columns`` order, unique on the two ``unique`` columns).

    ``digest``: a column of ``columns``
    holding a hash of the row's source (and of anything the caller writes with
    it); an existing row whose stored digest equals the new one is left alone
    without being sent at all.
    """
    if not rows:
        return Merged({}, set(), set())
    table = model._meta.db_table
    first, second = (columns.index(c) for c in unique)
    keys = [(row[first], row[second]) for row in rows]
    types = _copy_types(model, tuple(columns))
    key_types = [types[first], types[second]]
    # wrap_database_errors: the raw COPY raises psycopg's errors; callers see Django's.
    with connection.cursor() as cursor, connection.wrap_database_errors:
        if _expect_new.get(table, True):
            # The last batch was all new rows (a backfill): try this one as a plain COPY
            # first; if a key exists already, the savepoint undoes it and we merge.
            try:
                with transaction.atomic():
                    ids = _insert(cursor, table, columns, types, rows, keys, want_ids)
                return Merged(ids, set(keys), set())
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
        found = _lookup(cursor, table, unique, key_types, keys, digest)
        _expect_new[table] = not found
        at = columns.index(digest) if digest else None
        fresh, fresh_keys, changed, written = [], [], [], set()
        for key, row in zip(keys, rows, strict=True):
            hit = found.get(key)
            if hit is None:
                fresh.append(row)
                fresh_keys.append(key)
            elif at is None or hit[1] != row[at]:
                changed.append((hit[0], *row))
                written.add(key)
        ids = {key: hit[0] for key, hit in found.items()}
        if fresh:
            ids.update(_insert(cursor, table, columns, types, fresh, fresh_keys, want_ids))
            written.update(fresh_keys)
        if changed:
            _stage(cursor, table, columns, types, changed)
            _apply_staged(cursor, table, columns, unique, merge=_statement() == "merge")
    return Merged(ids, written, set(found))


def _lookup(
    cursor, table: str, unique: Sequence[str], types: Sequence[str], keys: list[tuple], digest: str | None
) -> dict[tuple, tuple[int, int | None]]:
    """{key: (pk, stored digest or None)} of the rows that exist: one unique-index probe per key.

    Both key columns come from the unnested arrays, so the unique index is the
    only one that fits: with a constant for the first column the planner may
    pick that column's own index from stale statistics and scan the table.
    """
    first, second = unique  # the second is an integer; so is the first when it varies
    firsts = {k[0] for k in keys}
    if len(firsts) == 1:  # one shop (or one order): let the server repeat it
        source = f"unnest(array_fill(%s::{types[0]}, ARRAY[%s]), %s::{types[1]}[])"
        params = [next(iter(firsts)), len(keys), int_array(k[1] for k in keys)]
    else:
        source = f"unnest(%s::{types[0]}[], %s::{types[1]}[])"
        params = [int_array(k[0] for k in keys), int_array(k[1] for k in keys)]
    stored = f"t.{digest}" if digest else "NULL"
    cursor.execute(
        f"SELECT t.id, t.{first}, t.{second}, {stored} FROM {source} AS k(a, b) "  # noqa: S608
        f"JOIN {table} t ON t.{first} = k.a AND t.{second} = k.b",
        params,
    )
    return {(a, b): (pk, d) for pk, a, b, d in cursor.fetchall()}


def _insert(
    cursor, table: str, columns: Sequence[str], types: list[str], rows, keys: list[tuple], want_ids: bool
) -> dict[tuple, int]:
    """COPY new ``rows`` (natural keys ``keys``) straight into the table; {key: pk} when ``want_ids``.

    The pks are taken from the table's sequence first (one round trip), so
    nothing has to be looked up again after the COPY.
    """
    if not want_ids:
        _copy_rows(cursor, table, columns, types, rows)
        return {}
    cursor.execute(
        "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, len(rows)]
    )
    pks = [pk for (pk,) in cursor.fetchall()]
    with_pks = [(pk, *row) for pk, row in zip(pks, rows, strict=True)]
    _copy_rows(cursor, table, ["id", *columns], ["int8", *types], with_pks)
    return dict(zip(keys, pks, strict=True))


def _statement() -> str:
    """How staged rows are written: "on_conflict" or "merge" (``ETL_COPY_MERGE``)."""
    how = settings.ETL_COPY_MERGE
    if how not in STATEMENTS:
        raise ValueError(f"unknown ETL_COPY_MERGE {how!r}: use one of {', '.join(STATEMENTS)}")
    if how == "merge" and connection.pg_version < 150000:  # MERGE arrived in PostgreSQL 15
        return "on_conflict"
    return how


STATEMENTS = ("merge", "on_conflict")


def _staging(table: str, columns: Sequence[str]) -> str:
    # Named by its columns too: a session that outlives a change of columns gets a new one.
    return f"etl_stage_{table}_{zlib.crc32(','.join(columns).encode()):08x}"


def _stage(cursor, table: str, columns: Sequence[str], types: list[str], rows) -> None:
    """COPY ``rows`` (pk first) into the table's temporary staging table.

    Not WAL-logged, and emptied at commit.
    """
    staging = _staging(table, columns)
    # Only the pk and the loaded columns, no constraints or defaults.
    cursor.execute(
        f"CREATE TEMP TABLE IF NOT EXISTS {staging} ON COMMIT DELETE ROWS AS "  # noqa: S608
        f"SELECT id, {', '.join(columns)} FROM {table} WITH NO DATA"
    )
    # Emptied at commit; DELETE, not TRUNCATE, which would give the table a new file each time.
    cursor.execute(f"DELETE FROM {staging}")  # noqa: S608
    _copy_rows(cursor, staging, ["id", *columns], ["int8", *types], rows)


def _apply_staged(
    cursor,
    table: str,
    columns: Sequence[str],
    unique: Sequence[str],
    *,
    merge: bool,
) -> None:
    """Write the staged rows over the stored ones, by pk; a row equal to the stored one is not written.

    Compared with ``IS DISTINCT FROM`` (NULL-safe) on the columns an update
    sets: an unchanged row costs an index probe, no new row version, no WAL.
    Joined on the pk the lookup found, whose index is smaller and cheaper to
    probe than the natural key's. ``merge``: one ``MERGE`` (PostgreSQL 15+);
    otherwise ``INSERT ... SELECT ... ON CONFLICT (id) DO UPDATE ... WHERE``,
    which PostgreSQL runs by locking each conflicting row before it checks the
    ``WHERE`` (a lock is a WAL record and a dirtied page, even for an unchanged
    row); ``bench/etl_loader.py`` measures the two side by side.
    """
    staging = _staging(table, columns)
    changing = [c for c in columns if c not in unique]
    stored = ", ".join(f"t.{c}" for c in changing)
    if merge:
        pulled = ", ".join(f"s.{c}" for c in changing)
        sets = ", ".join(f"{c} = s.{c}" for c in changing)
        cursor.execute(
            f"MERGE INTO {table} AS t USING {staging} AS s ON t.id = s.id "
            f"WHEN MATCHED AND ({stored}) IS DISTINCT FROM ({pulled}) THEN UPDATE SET {sets}"
        )
        return
    cols = ", ".join(["id", *columns])
    pulled = ", ".join(f"EXCLUDED.{c}" for c in changing)
    sets = ", ".join(f"{c} = EXCLUDED.{c}" for c in changing)
    # ON CONFLICT probes the pk index row by row, whatever the statistics say; an
    # UPDATE ... FROM join is at the planner's mercy (measured slower).
    cursor.execute(
        f"INSERT INTO {table} AS t ({cols}) SELECT {cols} FROM {staging} "  # noqa: S608
        f"ON CONFLICT (id) DO UPDATE SET {sets} WHERE ({stored}) IS DISTINCT FROM ({pulled})"
    )
