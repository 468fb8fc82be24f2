"""Benchmark: the business audit over the metrics bench's year (1,000,000 orders).

    DATABASE_URL=postgres://... python bench/audit.py [--orders 1000000] [--insights 200000]

It needs PostgreSQL: a scratch database ``<name>_bench_audit`` is created beside the
one DATABASE_URL names, filled by the metrics bench's generator
(``bench/metrics_compute.py``'s ``load``), the year's metrics computed, and
dropped at the end. Printed: the audit of the year's last 30 days (its
retention and unit economics read every counted order of the year) cold and
warm with its number of queries, the report and tickets written, the audit
page, and a floor: one hand-written SQL pass that reads every counted order
grouped by customer (the least the retention analyzer must make the database
do), with the ratio audit / floor.
"""

import argparse
import os
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

from metrics_compute import SINCE, UNTIL, load, seconds
from scratch import needs_postgres, scratch_database

FLOOR_SQL = """
SELECT customer_key, count(*), min(created_at), sum(subtotal) FROM etl_order
WHERE NOT test AND cancelled_at IS NULL AND deleted_at IS NULL AND customer_key <> '' AND created_at < %(end)s
GROUP BY customer_key
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--insights", type=int, default=200_000)
    args = parser.parse_args()
    if not needs_postgres("bench/audit.py"):
        return 2

    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    from bizops.audit.audit import run_audit, write_audit
    from bizops.audit.base import Period
    from etl.metrics import compute
    from tests.factories import UserFactory

    with scratch_database("audit"):
        t0 = time.perf_counter()
        load(connection, args.orders, args.insights)
        compute(SINCE, UNTIL)
        print(f"  loaded and computed the year in {time.perf_counter() - t0:.1f} s", flush=True)
        period = Period(date(2025, 12, 2), UNTIL)
        _, end = period.bounds()
        queries = []

        def count(execute, sql, params, many, context):
            queries.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            cold, audit = seconds(lambda: run_audit(period))
        audit_queries = len(queries)
        warm, audit = seconds(lambda: run_audit(period), repeat=3)
        queries.clear()
        with connection.execute_wrapper(count):
            write_time, report = seconds(lambda: write_audit(audit))
        write_queries = len(queries)

        def floor():
            with connection.cursor() as cursor:
                cursor.execute(FLOOR_SQL, {"end": end})
                return cursor.fetchall()

        floor_time, customers = seconds(floor, repeat=3)
        scores = ", ".join(f"{r.name} {r.score}" for r in audit.results)
        print(
            f"audit of {period.label} over {args.orders:,} orders ({len(customers):,} customers): "
            f"first run {cold:.2f} s, median {warm:.2f} s, {audit_queries} queries"
        )
        print(f"  scores: {scores}; temperature {audit.temperature.value}, momentum {audit.momentum.value}")
        print(
            f"report and {len(audit.realignments)} realignment tickets written in {write_time * 1000:.0f} ms "
            f"({write_queries} queries); report {report.slug}"
        )
        print(f"floor (one SQL pass over the counted orders by customer): median {floor_time:.2f} s")
        print(f"ratio audit / floor: {warm / floor_time:.2f}x")

        client = Client()
        client.force_login(UserFactory(username="bench", is_superuser=True))
        queries.clear()
        with connection.execute_wrapper(count):
            response = client.get("/admin/audit/")
        if response.status_code != 200:
            raise RuntimeError(f"the audit page answered {response.status_code}")
        page_time, _ = seconds(lambda: client.get("/admin/audit/"), repeat=5)
        print(f"audit page: median {page_time * 1000:.0f} ms ({len(queries)} queries)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
