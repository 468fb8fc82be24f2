"""Loader throughput on PostgreSQL: upserting orders, next to a plain COPY and a per-row loop.

    DATABASE_URL=postgres://... python bench/etl_loader.py [orders]   (default 1,000,000)

Runs in its own database (bench_<name>_etl on the server DATABASE_URL names),
created, migrated and dropped here, so no real data is touched. Prints rows
per second for:
  - COPY of the rows into an empty table (the floor: no conflict handling at all),
  - the loader (etl.load.load_orders), batches of ETL_BATCH_SIZE, one transaction
    each, with both strategies ("copy": COPY + merge, "orm": bulk_create(update_conflicts)),
    first into an empty table (inserts) then again over the same rows (updates),
  - update_or_create row by row (what most code does), sampled and extrapolated.
"""

import os
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

ORDERS = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
BATCH = int(os.environ.get("BENCH_BATCH", "5000"))  # ETL_BATCH_SIZE's default
SAMPLE_SECONDS = 20.0


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
    bench = f"bench_{name}_etl"
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


def records(start: int, stop: int):
    from etl.connectors.records import OrderRecord

    epoch = datetime(2025, 1, 1, tzinfo=UTC)
    out = []
    for n in range(start, stop):
        created = epoch + timedelta(seconds=n * 37)
        subtotal = Decimal(20 + n % 180) + Decimal(n % 100) / 100
        tax = (subtotal * Decimal("0.13")).quantize(Decimal("0.01"))
        out.append(
            OrderRecord(
                external_id=5_800_000_000_000 + n,
                name=f"#{1000 + n}",
                created_at=created,
                processed_at=created,
                updated_at=created + timedelta(seconds=40),
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
    columns = ["shop", "external_id", *ORDER_FIELDS, "first_order"]
    spent = 0.0
    with transaction.atomic(), connection.cursor() as cursor:
        # The same binary COPY the loader uses, all rows in one statement and one transaction.
        with cursor.cursor.copy(f"COPY etl_order ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(_copy_types(Order, tuple(columns)))
            for start in range(0, ORDERS, BATCH):
                rows = [
                    ("bench.myshopify.com", r.external_id, *(getattr(r, f) for f in ORDER_FIELDS), False)
                    for r in records(start, min(ORDERS, start + BATCH))
                ]
                began = time.perf_counter()
                for row in rows:
                    copy.write_row(row)
                spent += time.perf_counter() - began
        began = time.perf_counter()
    spent += time.perf_counter() - began  # the COPY's end and the commit
    return spent


def bench_loader(strategy: str, *, empty: bool) -> float:
    from etl.load import load_orders

    if empty:
        truncate()
    spent = 0.0
    for start in range(0, ORDERS, BATCH):
        batch = records(start, min(ORDERS, start + BATCH))
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
    print(f"etl_loader: {ORDERS:,} orders, batches of {BATCH:,}, PostgreSQL database bench_*_etl")
    results = {}
    results["COPY into an empty table (floor)"] = bench_copy()
    check()
    results["loader, COPY + merge, inserts"] = bench_loader("copy", empty=True)
    check()
    results["loader, COPY + merge, updates"] = bench_loader("copy", empty=False)
    check()
    results["loader, bulk_create(update_conflicts), inserts"] = bench_loader("orm", empty=True)
    results["loader, bulk_create(update_conflicts), updates"] = bench_loader("orm", empty=False)
    check()
    sampled, sample_time = bench_per_row()
    floor = ORDERS / results["COPY into an empty table (floor)"]
    print(f"{'method':<50} {'seconds':>10} {'rows/s':>12} {'x COPY':>8}")
    for label, seconds in results.items():
        rate = ORDERS / seconds
        print(f"{label:<50} {seconds:>10.1f} {rate:>12,.0f} {rate / floor:>8.2f}")
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
    print(f"best loader strategy: {best}; inserts at {ratio:.2f} x the COPY rate (target: at least 0.50)")
    _drop(server_url)


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
