"""Idempotent bulk upserts on a natural key, two ways.

- ``upsert_objects``: ``bulk_create(update_conflicts=True)``, on any database
  (``INSERT ... ON CONFLICT DO UPDATE``); PostgreSQL and SQLite return the pks.
- ``copy_upsert``: PostgreSQL only. ``COPY`` the rows into a temporary table,
  then one ``INSERT ... SELECT ... ON CONFLICT DO UPDATE ... RETURNING``. COPY
  skips parameter binding and per-statement planning, which dominate at
  thousands of rows. ``bench/loader_bench.py`` measures both.

Both must run inside the caller's transaction.
"""

from collections.abc import Sequence

from django.db import connection, models


def upsert_objects(
    model: type[models.Model], objs: list[models.Model], unique: Sequence[str], update: Sequence[str]
) -> list[models.Model]:
    if not objs:
        return []
    return model.objects.bulk_create(
        objs, update_conflicts=True, unique_fields=list(unique), update_fields=list(update), batch_size=2000
    )


def copy_upsert(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Sequence[tuple],
    unique: Sequence[str],
    returning: Sequence[str] = ("id",),
    insert_only: Sequence[str] = (),
) -> list[tuple]:
    """Upsert ``rows`` (tuples in ``columns`` order) through a COPY into a temp table.

    Every column not in ``unique`` or ``insert_only`` is overwritten from the new
    row; ``insert_only`` columns (owned by a later step) are set on insert only.
    """
    if not rows:
        return []
    table = model._meta.db_table
    quote = connection.ops.quote_name
    staging = f"etl_stage_{table}"
    cols = ", ".join(quote(c) for c in columns)
    updates = ", ".join(
        f"{quote(c)} = EXCLUDED.{quote(c)}" for c in columns if c not in unique and c not in insert_only
    )
    with connection.cursor() as cursor:
        # The staging table lives for the transaction only; each batch starts empty.
        # Only the loaded columns, no constraints or defaults (an id default
        # would draw from the real table's sequence for every staged row).
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {quote(staging)} ON COMMIT DELETE ROWS AS "  # noqa: S608
            f"SELECT {cols} FROM {quote(table)} WITH NO DATA"
        )
        cursor.execute(f"TRUNCATE {quote(staging)}")
        raw = cursor.cursor  # the psycopg cursor under Django's wrapper
        with raw.copy(f"COPY {quote(staging)} ({cols}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(
            f"INSERT INTO {quote(table)} ({cols}) SELECT {cols} FROM {quote(staging)} "  # noqa: S608
            f"ON CONFLICT ({', '.join(quote(c) for c in unique)}) DO UPDATE SET {updates} "
            f"RETURNING {', '.join(quote(c) for c in returning)}"
        )
        return cursor.fetchall()
