"""Growth table: the loader, the metrics, the dashboard and the health sweep at 100k, 300k and 1M orders.

    DATABASE_URL=postgres://... python bench/growth.py [--sizes 100000,300000,1000000]

For each size, a scratch database ``<name>_bench_growth`` (created beside the
one DATABASE_URL names, dropped afterwards) is filled with a year of that many
orders (lines, refunds) and a fifth as many ad insight rows, the way
``bench/metrics_compute.py`` fills it. Then, measured on it:

- loader: 60,000 new orders through ``etl.load.load_orders`` (COPY path, 3
  batches of 20,000, built before the clock starts), the same orders again
  unchanged (the median of three runs), then all of them changed;
- metrics: ``compute_metrics`` over the year, first run (first orders
  recorded) and rerun, and the floor (one hand-written SQL aggregate);
- dashboard: the metrics page for 365 days;
- health sweep: ``health.sweep.run_sweep`` (the weekly job-health sweep).

Printed per measure and size: seconds, microseconds per row (the rows the
measure reads or writes: source rows for the metrics, orders loaded for the
loader, store orders for the page and the sweep) and queries per run; then the
slope of log(time) against log(store size) between the smallest and largest
size (1.00: time grows as the store does, 0: constant). A measure whose time
per row grows by more than 25 % from the smallest size to the largest, or
whose slope is above 1.10, is flagged SUPER-LINEAR; one whose query count
changes with size is flagged QUERIES.
"""

import argparse
import math
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

LOADED = 60_000
BATCH = 20_000  # ETL_BATCH_SIZE's default


# {size: {measure: ANALYZE statements}}: the tables a load had made stale, analyzed
# before the metrics read them. They depend on how much was written since the last
# ANALYZE, not on what the run reads, so they are printed apart from the queries.
ANALYZED: dict[int, dict[str, int]] = {}


def counted(connection, fn):
    """(seconds, queries, result) of ``fn()``; its ANALYZE statements go to ``counted.analyzed``."""
    queries = []
    counted.analyzed = 0

    def count(execute, sql, params, many, context):
        if sql.startswith("ANALYZE"):
            counted.analyzed += 1
        else:
            queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        began = time.perf_counter()
        result = fn()
        spent = time.perf_counter() - began
    return spent, len(queries), result


def measure(size: int) -> dict[str, tuple[float, int, int]]:
    """{measure: (seconds, queries, rows)} on a fresh store of ``size`` orders."""
    from datetime import datetime, timedelta

    import etl_loader
    import metrics_compute as mc
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    from bizops.dashboards.metrics import forget_cached_rows
    from etl import upsert
    from etl.load import load_orders
    from etl.metrics import compute
    from health.sweep import run_sweep
    from tests.factories import UserFactory

    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    found = {}
    try:
        began = time.perf_counter()
        mc.load(connection, size, size // 5)
        print(f"  {size:,} orders loaded in {time.perf_counter() - began:.1f} s", flush=True)

        # The orders are built before the clock starts: only the loader is timed.
        starts = range(0, LOADED, BATCH)
        prepared = {
            changed: [etl_loader.records(start, start + BATCH, changed=changed) for start in starts]
            for changed in (0, 1)
        }

        def load(changed: int):
            for batch in prepared[changed]:
                load_orders("bench.myshopify.com", batch)

        # Each size starts as a fresh worker does, not from what the last size's loads left
        # (whether the next batch is tried as a plain COPY first).
        upsert._expect_new.clear()

        for label, changed, repeat in (
            ("inserts", 0, 1),
            ("updates, unchanged", 0, 3),  # idempotent: the median of three
            ("updates, changed", 1, 1),
        ):
            runs = sorted(counted(connection, lambda changed=changed: load(changed)) for _ in range(repeat))
            spent, queries, _ = runs[len(runs) // 2]
            found[f"loader: {label}"] = (spent, queries, LOADED)

        spent, queries, result = counted(connection, lambda: compute(mc.SINCE, mc.UNTIL))
        found["metrics: first run"] = (spent, queries, result.rows_read)
        ANALYZED.setdefault(size, {})["metrics: first run"] = counted.analyzed
        spent, queries, result = counted(connection, lambda: compute(mc.SINCE, mc.UNTIL))
        found["metrics: rerun"] = (spent, queries, result.rows_read)
        ANALYZED[size]["metrics: rerun"] = counted.analyzed
        params = {
            "tz": settings.REPORTING_TIMEZONE,
            "since": mc.SINCE,
            "until": mc.UNTIL,
            "start": datetime.combine(mc.SINCE, datetime.min.time(), mc.TZ),
            "end": datetime.combine(mc.UNTIL + timedelta(days=1), datetime.min.time(), mc.TZ),
        }

        def floor():
            with connection.cursor() as cursor:
                cursor.execute(mc.FLOOR_SQL, params)
                return cursor.fetchall()

        spent, queries, _ = counted(connection, floor)
        found["metrics: floor (one SQL aggregate)"] = (spent, queries, result.rows_read)

        client = Client()
        client.force_login(UserFactory(username="bench", is_superuser=True))
        query = {"range": "custom", "since": mc.SINCE.isoformat(), "until": mc.UNTIL.isoformat()}
        client.get("/admin/dashboards/metrics/", {"range": "7"})
        # Each size is a fresh database whose runs' versions repeat the last one's.
        forget_cached_rows()
        spent, queries, response = counted(
            connection, lambda: client.get("/admin/dashboards/metrics/", query)
        )
        if response.status_code != 200:
            raise RuntimeError(f"the dashboard answered {response.status_code}")
        found["dashboard: 365 days"] = (spent, queries, size)
        spent, queries, _ = counted(connection, run_sweep)
        found["health sweep"] = (spent, queries, size)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,300000,1000000")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        print("bench/growth.py needs PostgreSQL: set DATABASE_URL=postgres://user@host:5432/name")
        return 2
    import django

    django.setup()
    from django.conf import settings
    from django.test.utils import setup_test_environment

    settings.DATABASES["default"]["TEST"]["NAME"] = f"{settings.DATABASES['default']['NAME']}_bench_growth"
    setup_test_environment()
    results = {}
    for size in sizes:
        print(f"growth: {size:,} orders", flush=True)
        results[size] = measure(size)
    print_table(sizes, results)
    return 0


def print_table(sizes: list[int], results: dict) -> None:
    first, last = sizes[0], sizes[-1]
    head = "".join(f"{f'{size:,}':>26}" for size in sizes)
    print(f"\n{'measure':<38}{head}{'slope':>8}  (seconds / us per row / queries)")
    flagged = []
    for name in results[first]:
        cells = ""
        for size in sizes:
            spent, queries, rows = results[size][name]
            cells += f"{spent:>9.2f} s {spent / rows * 1e6:>7.1f} {queries:>6}"
        t0, _, r0 = results[first][name]
        t1, _, r1 = results[last][name]
        slope = math.log(t1 / t0) / math.log(last / first) if last != first else 0.0
        flags = []
        if last != first and (slope > 1.10 or (t1 / r1) > 1.25 * (t0 / r0)):
            flags.append("SUPER-LINEAR")
        if len({results[size][name][1] for size in sizes}) > 1:
            flags.append("QUERIES")
        flagged += [f"{name}: {flag}" for flag in flags]
        print(f"{name:<38}{cells}{slope:>8.2f}  {' '.join(flags)}")
    for size in sizes:
        first_run = results[size]["metrics: first run"][0]
        rerun = results[size]["metrics: rerun"][0]
        floor = results[size]["metrics: floor (one SQL aggregate)"][0]
        print(
            f"{size:,} orders: metrics first run {first_run / floor:.2f}x the floor (target 2), "
            f"rerun {rerun / floor:.2f}x (target 1.5)"
        )
    for name in ("metrics: first run", "metrics: rerun"):
        counts = " / ".join(str(ANALYZED.get(size, {}).get(name, 0)) for size in sizes)
        print(f"{name}: ANALYZE statements (not counted above) by size: {counts}")
    print("flagged: " + ("; ".join(flagged) if flagged else "nothing"))


if __name__ == "__main__":
    sys.exit(main())
