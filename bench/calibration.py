"""Benchmark: calibrating the commerce forecast from a year of a large store's orders and ad spend.

    DATABASE_URL=postgres://... python bench/calibration.py [--orders 1000000] [--insights 200000]

It reuses the metrics benchmark's store (``bench/metrics_compute.py``: a year of
orders with lines, refunds and ad insights, loaded with COPY into a scratch
database ``<name>_bench_calibration`` that is dropped at the end), computes the daily
metrics once (calibration reads them and the first orders), then times
``finance.calibration.save_calibrated`` over the last 90 days (its repeat
curve reads every cohort of the year) and over 365 days, with their query
counts, against a floor: one hand-written SQL cohort table over the same
orders (the least work the database must do for the curve).
"""

import argparse
import os
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

from metrics_compute import SINCE, TZ, UNTIL, load, seconds
from scratch import needs_postgres, scratch_database

FLOOR_SQL = """
WITH firsts AS (
  SELECT o.id, o.customer_key, date_trunc('month', o.created_at AT TIME ZONE %(tz)s) AS cohort
  FROM etl_order o JOIN etl_firstorder fo ON fo.order_id = o.id
  WHERE NOT o.test AND o.cancelled_at IS NULL AND o.deleted_at IS NULL AND o.customer_key <> ''
    AND o.created_at < %(end)s
)
SELECT f.cohort, date_trunc('month', o.created_at AT TIME ZONE %(tz)s) AS month,
       count(DISTINCT o.customer_key), count(*)
FROM etl_order o JOIN firsts f USING (customer_key)
WHERE o.id <> f.id AND NOT o.test AND o.cancelled_at IS NULL AND o.deleted_at IS NULL
  AND o.created_at < %(end)s
GROUP BY 1, 2
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--insights", type=int, default=200_000)
    args = parser.parse_args()
    if not needs_postgres("bench/calibration.py"):
        return 2

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    from etl.metrics.compute import compute
    from finance.calibration import save_calibrated

    with scratch_database("calibration"):
        t0 = time.perf_counter()
        load(connection, args.orders, args.insights)
        compute(SINCE, UNTIL)
        print(f"  loaded and metrics computed in {time.perf_counter() - t0:.1f} s", flush=True)

        def counted(fn):
            queries = []

            def count(execute, sql, params, many, context):
                queries.append(sql)
                return execute(sql, params, many, context)

            with connection.execute_wrapper(count):
                result = fn()
            return result, len(queries)

        figures = {}
        for days in (90, 365):
            (plan, result), queries = counted(
                lambda days=days: save_calibrated(f"Bench {days}", days=days, until=UNTIL)
            )
            warm, _ = seconds(
                lambda days=days: save_calibrated(f"Bench {days}", days=days, until=UNTIL), repeat=3
            )
            figures[days] = warm
            curve = ", ".join(plan.repeat_curve[:4])
            print(
                f"calibrate_assumptions --days {days}: median {warm:.2f} s, {queries} queries; "
                f"{plan}: CAC {plan.cac}, curve {curve} ... ({len(plan.repeat_curve)} months), "
                f"kept as typed: {', '.join(result.kept) or 'none'}"
            )
        params = {
            "tz": settings.REPORTING_TIMEZONE,
            "end": datetime.combine(UNTIL + timedelta(days=1), datetime.min.time(), TZ),
        }

        def floor():
            with connection.cursor() as cursor:
                cursor.execute(FLOOR_SQL, params)
                return cursor.fetchall()

        floor_time, rows = seconds(floor, repeat=3)
        print(
            f"hand-written SQL cohort table over the same orders (floor): median {floor_time:.2f} s "
            f"({len(rows)} cells)"
        )
        for days, warm in figures.items():
            print(f"ratio calibration ({days} days) / floor: {warm / floor_time:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
