"""Loader throughput on PostgreSQL: upserting orders, next to a plain COPY and a per-row loop.

    DATABASE_URL=postgres://... python bench/etl_loader.py [orders]   (default 1,000,000)

Runs in its own database (<name>_bench_etl on the server DATABASE_URL names),
created, migrated and dropped here, so no real data is touched. Prints rows
per second for:
  - COPY of the rows into an empty table (the floor: no conflict handling at all),
    the median of three runs, each taken in turn with a run of the loader's inserts,
  - the loader (etl.load.load_orders), batches of ETL_BATCH_SIZE, one transaction
    each, with both strategies ("copy": COPY + merge, "orm": bulk_create(update_conflicts)),
    first into an empty table (inserts) then again over the same rows (updates);
    COPY's updates three times: unchanged rows (their digests match: nothing is
    sent), a night where 2 % of the orders changed, and every row changed, the
    changed ones written by MERGE and by INSERT ... ON CONFLICT (ETL_COPY_MERGE),
    with the row updates and WAL bytes each wrote (an unchanged row must write
    neither),
  - update_or_create row by row (what most code does), sampled and extrapolated.
"""

import os
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

ORDERS = int(sys.argv[1]) if __name__ == "__main__" and len(sys.argv) > 1 else 1_000_000
BATCH = int(os.environ.get("BENCH_BATCH", "20000"))  # ETL_BATCH_SIZE's default
SAMPLE_SECONDS = 20.0
REPEAT = 3  # runs of the floor and of the inserts (medians)


def refuse(message: str) -> None:
    print(f"etl_loader: refused: {message}")
    sys.exit(0)


def configure() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        refuse("DATABASE_URL is not a PostgreSQL URL (set DATABASE_URL=postgres://user@host:5432/name)")
    import psycopg

    base, _, name = url.rpartition("/")
    name = name.split("?")[0]
    bench = f"{name}_bench_etl"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{bench}"')
        conn.execute(f'CREATE DATABASE "{bench}"')
    os.environ["DATABASE_URL"] = f"{base}/{bench}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bizops.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz")
    os.environ.setdefault("ALLOWED_HOSTS", "localhost")
    os.environ["REDIS_URL"] = ""
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return url


def records(start: int, stop: int, *, changed: int = 0):
    """Orders start..stop; with ``changed`` N, every N-th one differs from the original (1: all)."""
    from etl.connectors.records import OrderRecord

    epoch = datetime(2025, 1, 1, tzinfo=UTC)
    out = []
    for n in range(start, stop):
        created = epoch + timedelta(seconds=n * 37)
        moved = bool(changed) and n % changed == 0
        subtotal = Decimal(20 + n % 180) + Decimal(n % 100) / 100 + (Decimal(1) if moved else 0)
        tax = (subtotal * Decimal("0.13")).quantize(Decimal("0.01"))
        out.append(
            OrderRecord(
                external_id=5_800_000_000_000 + n,
                name=f"#{1000 + n}",
                created_at=created,
                processed_at=created,
                updated_at=created + timedelta(seconds=40 + (3600 if moved else 0)),
                cancelled_at=None,
                test=n % 97 == 0,
                currency="USD",
                subtotal=subtotal,
                discounts=Decimal(0),
                tax=tax,
                shipping=Decimal("7.95"),
                total=subtotal + tax + Decimal("7.95"),
                current_total=subtotal + tax + Decimal("7.95"),
                customer_key=f"customer:{7_200_000_000_000 + n % 300_000}",
            )
        )
    return out


def truncate() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE etl_order CASCADE")


def bench_copy() -> float:
    from django.db import connection, transaction

    from etl.load import ORDER_FIELDS
    from etl.models import Order
    from etl.upsert import _copy_types

    truncate()
    columns = ["shop", "external_id", *ORDER_FIELDS]
    spent = 0.0
    with transaction.atomic(), connection.cursor() as cursor:
        # The same binary COPY the loader uses, all rows in one statement and one transaction.
        with cursor.cursor.copy(f"COPY etl_order ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(_copy_types(Order, tuple(columns)))
            for start in range(0, ORDERS, BATCH):
                rows = [
                    ("bench.myshopify.com", r.external_id, *(getattr(r, f) for f in ORDER_FIELDS))
                    for r in records(start, min(ORDERS, start + BATCH))
                ]
                began = time.perf_counter()
                for row in rows:
                    copy.write_row(row)
                spent += time.perf_counter() - began
        began = time.perf_counter()
    spent += time.perf_counter() - began  # the COPY's end and the commit
    return spent


def vacuum() -> None:
    """VACUUM the orders between measured runs, outside the timer.

    Each run stands for one night, and between two nights autovacuum has
    cleared the row versions the last one left; without it, a run would
    start from the dead versions of the runs a minute before it (the bench's
    own passes, not a night's state) and find no room on the pages.
    """
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM etl_order")


def writes() -> tuple[int, int]:
    """(row updates of etl_order so far, WAL position of the server in bytes).

    The WAL position is the server's, shared with any other database on it: on a
    quiet server the difference between two readings is what we wrote.
    """
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_force_next_flush()")
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT n_tup_upd, pg_current_wal_lsn() - '0/0'::pg_lsn FROM pg_stat_user_tables "
            "WHERE relname = 'etl_order'"
        )
        updated, lsn = cursor.fetchone()
    return updated, int(lsn)


def bench_loader(strategy: str, *, empty: bool, changed: int = 0, statement: str = "merge") -> float:
    from django.conf import settings

    from etl.load import load_orders

    settings.ETL_COPY_MERGE = statement
    if empty:
        truncate()
    spent = 0.0
    for start in range(0, ORDERS, BATCH):
        batch = records(start, min(ORDERS, start + BATCH), changed=changed)
        began = time.perf_counter()
        load_orders("bench.myshopify.com", batch, strategy=strategy)
        spent += time.perf_counter() - began
        if start and start % 200_000 == 0:
            print(f"    {strategy}: {start:,} orders, {start / spent:,.0f} rows/s so far", flush=True)
    return spent


def bench_per_row() -> tuple[int, float]:
    from django.db import transaction

    from etl.load import ORDER_FIELDS
    from etl.models import Order

    truncate()
    done, spent = 0, 0.0
    while spent < SAMPLE_SECONDS and done < ORDERS:
        batch = records(done, min(ORDERS, done + 500))
        began = time.perf_counter()
        for record in batch:
            with transaction.atomic():
                Order.objects.update_or_create(
                    shop="bench.myshopify.com",
                    external_id=record.external_id,
                    defaults={f: getattr(record, f) for f in ORDER_FIELDS},
                )
        spent += time.perf_counter() - began
        done += len(batch)
    return done, spent


def check() -> None:
    from etl.models import Order

    found = Order.objects.count()
    if found != ORDERS:
        sys.exit(f"etl_loader: expected {ORDERS:,} orders in the table, found {found:,}")


def main() -> None:
    server_url = configure()
    print(f"etl_loader: {ORDERS:,} orders, batches of {BATCH:,}, PostgreSQL database <name>_bench_etl")
    results = {}
    # The floor and the inserts, the ratio the loader is held to, are each the median of
    # three runs taken in turn, so that a slow moment of the machine lands on both.
    floors, inserts = [], []
    for _ in range(REPEAT):
        floors.append(bench_copy())
        check()
        vacuum()
        inserts.append(bench_loader("copy", empty=True))
        check()
        vacuum()
    print(f"  floor runs: {_runs(floors)}; loader insert runs: {_runs(inserts)}")
    results["COPY into an empty table (floor)"] = statistics.median(floors)
    results["loader, COPY + merge, inserts"] = statistics.median(inserts)
    # The same rows again (a nightly re-pull where nothing changed), then a night where
    # 2 % of the orders changed (a later updated_at and subtotal), then every row changed,
    # each changed run written by MERGE and by INSERT ... ON CONFLICT (ETL_COPY_MERGE).
    # The first orders (etl_firstorder) are the metrics step's, not the loader's.
    wrote = {}
    runs = [(0, "unchanged", "merge")] + [
        (every, what, statement)
        for every, what in ((50, "2 % changed"), (1, "all changed"))
        for statement in ("merge", "on_conflict")
    ]
    for every, what, statement in runs:
        label = f"loader, updates ({what})"
        if every:
            label = f"loader, COPY + {_statement(statement)}, updates ({what})"
        vacuum()
        before = writes()
        results[label] = bench_loader("copy", empty=False, changed=every, statement=statement)
        after = writes()
        wrote[label] = (after[0] - before[0], after[1] - before[1])
        check()
        if every:  # back to the original rows, so the next run changes them again
            bench_loader("copy", empty=False, statement=statement)
    results["loader, bulk_create(update_conflicts), inserts"] = bench_loader("orm", empty=True)
    results["loader, bulk_create(update_conflicts), updates"] = bench_loader("orm", empty=False)
    check()
    sampled, sample_time = bench_per_row()
    floor = ORDERS / results["COPY into an empty table (floor)"]
    print(f"{'method':<50} {'seconds':>10} {'rows/s':>12} {'x COPY':>8}")
    for label, seconds in results.items():
        rate = ORDERS / seconds
        print(f"{label:<50} {seconds:>10.1f} {rate:>12,.0f} {rate / floor:>8.2f}")
    print(f"{'writes of the COPY update runs':<50} {'rows updated':>13} {'WAL bytes':>14}")
    for label, (updated, wal) in wrote.items():
        print(f"{label:<50} {updated:>13,} {wal:>14,}")
    rate = sampled / sample_time
    extrapolated = ORDERS / rate
    label = "update_or_create per row (sampled)"
    print(f"{label:<50} {extrapolated:>10.1f} {rate:>12,.0f} {rate / floor:>8.2f}")
    print(
        f"update_or_create was sampled: {sampled:,} rows in {sample_time:.1f} s, extrapolated to {ORDERS:,} "
        f"rows ({extrapolated / 60:.1f} min); running it in full would take too long."
    )
    best = max(("copy", "orm"), key=lambda s: -results[f"loader, {_label(s)}, inserts"])
    ratio = (ORDERS / results[f"loader, {_label(best)}, inserts"]) / floor
    print(f"best loader strategy: {best}; inserts at {ratio:.2f} x the COPY rate (target: at least 0.60)")
    rate = ORDERS / results["loader, updates (unchanged)"] / floor
    print(f"updates (unchanged rows): {rate:.2f} x COPY (target: at least 0.40)")
    for what in ("2 % changed", "all changed"):
        rates = {
            statement: ORDERS / results[f"loader, COPY + {_statement(statement)}, updates ({what})"] / floor
            for statement in ("merge", "on_conflict")
        }
        merge, on_conflict = rates["merge"], rates["on_conflict"]
        print(
            f"updates ({what}): MERGE {merge:.2f} x COPY, ON CONFLICT {on_conflict:.2f} x COPY "
            "(target: at least 0.40)"
        )
    _drop(server_url)


def _runs(seconds: list[float]) -> str:
    return ", ".join(f"{value:.1f} s" for value in seconds)


def _statement(statement: str) -> str:
    return statement.upper().replace("_", " ")


def _label(strategy: str) -> str:
    return "COPY + merge" if strategy == "copy" else "bulk_create(update_conflicts)"


def _drop(server_url: str) -> None:
    import psycopg
    from django.db import connection

    connection.close()
    name = os.environ["DATABASE_URL"].rpartition("/")[2]
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


if __name__ == "__main__":
    main()
