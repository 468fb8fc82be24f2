"""Idempotent bulk upserts on a two-column natural key, two ways.

- ``upsert_objects``: ``bulk_create(update_conflicts=True)``, on any database
  (``INSERT ... ON CONFLICT DO UPDATE``).
- ``copy_merge``: PostgreSQL only, and measured several times faster
  (``bench/etl_loader.py``). A batch that follows an all-new batch is first
  tried as a plain ``COPY`` inside a savepoint, so a backfill pays nothing
  more. Otherwise (or when a key turns out to exist) one indexed lookup finds
  the existing keys, their pks and, for a table that keeps one, the digest of
  the source each row was written from; it is sent in pipeline mode, and a
  caller that passes its rows as a function builds them (digests and all)
  while the database looks:

  - new rows go in by ``COPY`` straight into the table (COPY inserts in
    multi-row batches, which ``INSERT ... SELECT`` cannot);
  - an existing row whose digest equals the incoming one's is not sent at all:
    no COPY, no statement, no write;
  - the other existing rows are ``COPY``'d into a temporary table (not
    WAL-logged; numbers as text, which psycopg encodes ten times faster than
    binary numerics) with the pk the lookup found, and written by one
    ``MERGE ... ON t.id = s.id WHEN MATCHED AND <row differs>`` (PostgreSQL 15+;
    ``ETL_COPY_MERGE=on_conflict``: one ``INSERT ... SELECT ... ON CONFLICT
    (id) DO UPDATE ... WHERE <row differs>``). A row equal to the stored one is
    not written: no new row version, no index entries, no WAL.

  A concurrent insert of the same key between the lookup and the COPY would
  fail the batch on the unique constraint and roll it back whole, never write
  a duplicate; the job lock (one pull per source at a time) keeps that from
  happening.

Both must run inside the caller's transaction.
"""

import contextlib
import functools
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import psycopg
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
def _column_types(model: type[models.Model], columns: tuple[str, ...]) -> list[str]:
    """PostgreSQL types of ``columns`` ("numeric(18, 4)")."""
    fields = {f.column: f for f in model._meta.concrete_fields}
    return [fields[c].db_type(connection) for c in columns]


@functools.cache
def _copy_types(model: type[models.Model], columns: tuple[str, ...]) -> list[str]:
    """PostgreSQL type names of ``columns`` for a binary COPY ("numeric(18, 4)" -> "numeric")."""
    return [kind.split("(")[0].strip() for kind in _column_types(model, columns)]


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
    rows: Sequence[tuple] | Callable[[], Sequence[tuple]],
    unique: Sequence[str],
    *,
    keys: Sequence[tuple] | None = None,
    want_ids: bool = True,
    digest: str | None = None,
) -> Merged:
    """Upsert ``rows`` (tuples in ``columns`` order, unique on the two ``unique`` columns).

    ``rows`` may be a function that builds them, with their natural ``keys``
    (in the same order) given: the rows are then built while the database
    looks the keys up (the lookup is sent in pipeline mode first), so
    whatever the caller computes per row (a digest) costs no extra time when
    the lookup takes as long. ``digest``: a column of ``columns`` holding a
    hash of the row's source (and of anything the caller writes with it); an
    existing row whose stored digest equals the new one is left alone without
    being sent at all.
    """
    build = rows if callable(rows) else None
    first, second = (columns.index(c) for c in unique)
    if build is None:
        keys = [(row[first], row[second]) for row in rows]
    elif keys is None:
        raise TypeError("copy_merge: rows given as a function need their keys")
    if not keys:
        return Merged({}, set(), set())
    table = model._meta.db_table
    types = _copy_types(model, tuple(columns))
    key_types = [types[first], types[second]]
    # wrap_database_errors: the raw COPY raises psycopg's errors; callers see Django's.
    with connection.cursor() as cursor, connection.wrap_database_errors:
        if _expect_new.get(table, True):
            # The last batch was all new rows (a backfill): try this one as a plain COPY
            # first; if a key exists already, the savepoint undoes it and we merge.
            if build is not None:
                rows, build = build(), None
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
        with _lookup(table, unique, key_types, keys, digest) as answer:
            if build is not None:
                rows = build()
            found = answer()
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
            _apply_staged(
                cursor,
                table,
                columns,
                _column_types(model, tuple(columns)),
                unique,
                merge=_statement() == "merge",
            )
    return Merged(ids, written, set(found))


@contextlib.contextmanager
def _lookup(
    table: str, unique: Sequence[str], types: Sequence[str], keys: Sequence[tuple], digest: str | None
) -> Iterator[Callable[[], dict[tuple, tuple[int, int | None]]]]:
    """Send the lookup of ``keys``; gives the function that waits for its answer.

    The answer: {key: (pk, stored digest or None)} of the rows that exist, one
    unique-index probe per key. The query goes out in pipeline mode, so the
    caller works inside the block while the database does. Both key columns
    come from the unnested arrays, so the unique index is the only one that
    fits: with a constant for the first column the planner may pick that
    column's own index from stale statistics and scan the table.
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
    sql = (
        f"SELECT t.id, t.{first}, t.{second}, {stored} FROM {source} AS k(a, b) "  # noqa: S608
        f"JOIN {table} t ON t.{first} = k.a AND t.{second} = k.b"
    )
    # A psycopg cursor of the connection's own: Django's binds parameters on the client,
    # which pipeline mode does not take. Wrapped as Django wraps its cursors, so the
    # lookup passes through the execute wrappers and shows in connection.queries.
    raw = connection.connection
    with raw.pipeline(), psycopg.Cursor(raw) as pending:
        wrapped = (
            connection.make_debug_cursor(pending)
            if connection.queries_logged
            else connection.make_cursor(pending)
        )
        wrapped.execute(sql, params)  # sent now; its rows are read by the function
        yield lambda: {(a, b): (pk, d) for pk, a, b, d in pending.fetchall()}


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
    # Named by its columns and layout: a session that outlives a change of either gets a new one.
    return f"etl_stage_{table}_{zlib.crc32((','.join(columns) + ':numeric-as-text').encode()):08x}"


def _stage(cursor, table: str, columns: Sequence[str], types: list[str], rows) -> None:
    """COPY ``rows`` (pk first) into the table's temporary staging table.

    Not WAL-logged, and emptied at commit. Numbers go in as text, which the
    database reads back as numbers when it writes them (``_apply_staged``):
    psycopg's binary encoding of a ``Decimal`` costs about two microseconds,
    ``str`` a tenth of that, and the database's parsing of it less than the
    encoding saved (measured in ``bench/etl_loader.py``).
    """
    staging = _staging(table, columns)
    # Only the pk and the loaded columns, no constraints or defaults.
    selected = ", ".join(
        f"{c}::text AS {c}" if t == "numeric" else c for c, t in zip(columns, types, strict=True)
    )
    cursor.execute(
        f"CREATE TEMP TABLE IF NOT EXISTS {staging} ON COMMIT DELETE ROWS AS "  # noqa: S608
        f"SELECT id, {selected} FROM {table} WITH NO DATA"
    )
    # Emptied at commit; DELETE, not TRUNCATE, which would give the table a new file each time.
    cursor.execute(f"DELETE FROM {staging}")  # noqa: S608
    numbers = [at for at, t in enumerate(types, start=1) if t == "numeric"]  # after the pk
    if numbers:
        rows = [_numbers_as_text(row, numbers) for row in rows]
    staged = ["text" if t == "numeric" else t for t in types]
    _copy_rows(cursor, staging, ["id", *columns], ["int8", *staged], rows)


def _numbers_as_text(row: tuple, at: list[int]) -> list:
    row = list(row)
    for i in at:
        if row[i] is not None:
            row[i] = str(row[i])
    return row


def _apply_staged(
    cursor,
    table: str,
    columns: Sequence[str],
    types: list[str],
    unique: Sequence[str],
    *,
    merge: bool,
) -> None:
    """Write the staged rows over the stored ones, by pk; a row equal to the stored one is not written.

    ``types``: the table's types of ``columns``.

    Compared with ``IS DISTINCT FROM`` (NULL-safe) on the columns an update
    sets: an unchanged row costs an index probe, no new row version, no WAL.
    Joined on the pk the lookup found, whose index is smaller and cheaper to
    probe than the natural key's. ``merge``: one ``MERGE`` (PostgreSQL 15+);
    otherwise ``INSERT ... SELECT ... ON CONFLICT (id) DO UPDATE ... WHERE``,
    which PostgreSQL runs by locking each conflicting row before it checks the
    ``WHERE`` (a lock is a WAL record and a dirtied page, even for an unchanged
    row); ``bench/etl_loader.py`` measures the two side by side. Numbers,
    staged as text, are read back as numbers.
    """
    staging = _staging(table, columns)
    kinds = dict(zip(columns, types, strict=True))
    changing = [c for c in columns if c not in unique]

    def staged(column: str) -> str:  # as the column holds it: "s.price::numeric(12, 2)"
        kind = kinds[column]
        return f"s.{column}::{kind}" if kind.startswith("numeric") else f"s.{column}"

    stored = ", ".join(f"t.{c}" for c in changing)
    if merge:
        pulled = ", ".join(staged(c) for c in changing)
        sets = ", ".join(f"{c} = {staged(c)}" for c in changing)
        cursor.execute(
            f"MERGE INTO {table} AS t USING {staging} AS s ON t.id = s.id "
            f"WHEN MATCHED AND ({stored}) IS DISTINCT FROM ({pulled}) THEN UPDATE SET {sets}"
        )
        return
    cols = ", ".join(["id", *columns])
    selected = ", ".join(["s.id", *map(staged, columns)])
    pulled = ", ".join(f"EXCLUDED.{c}" for c in changing)
    sets = ", ".join(f"{c} = EXCLUDED.{c}" for c in changing)
    # ON CONFLICT probes the pk index row by row, whatever the statistics say; an
    # UPDATE ... FROM join is at the planner's mercy (measured slower).
    cursor.execute(
        f"INSERT INTO {table} AS t ({cols}) SELECT {selected} FROM {staging} AS s "  # noqa: S608
        f"ON CONFLICT (id) DO UPDATE SET {sets} WHERE ({stored}) IS DISTINCT FROM ({pulled})"
    )
