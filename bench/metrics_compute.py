"""Benchmark: compute_metrics over a year of a large store, and the dashboard for 365 days.

    DATABASE_URL=postgres://... python bench/metrics_compute.py [--orders 1000000] [--insights 200000]

It needs PostgreSQL (the database named by DATABASE_URL is left untouched: a
scratch database ``<name>_bench_metrics`` is created beside it, filled with COPY, and
dropped at the end). Printed: the time of ``etl.metrics.compute`` for the
year, the time of one hand-written SQL aggregate over the same rows (the
floor: the least work the database must do), their ratio, and the dashboard
view's time for 365 days with its query count.
"""

import argparse
import importlib
import os
import random
import statistics
import sys
import time
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

from scratch import needs_postgres, scratch_database

SINCE, UNTIL = date(2025, 1, 1), date(2025, 12, 31)
TZ = ZoneInfo("America/Toronto")
CHUNK = 50_000
CENT = Decimal("0.01")

FLOOR_SQL = """
WITH valid AS (
  SELECT o.id, o.created_at, o.discounts, o.shipping, o.tax, f.order_id IS NOT NULL AS first_order
  FROM etl_order o LEFT JOIN etl_firstorder f ON f.order_id = o.id
  WHERE NOT o.test AND o.cancelled_at IS NULL AND o.deleted_at IS NULL
), o AS (
  SELECT (created_at AT TIME ZONE %(tz)s)::date AS day, count(*) AS orders,
         count(*) FILTER (WHERE first_order) AS new_customers,
         sum(discounts) AS discounts, sum(shipping) AS shipping, sum(tax) AS tax
  FROM valid WHERE created_at >= %(start)s AND created_at < %(end)s GROUP BY 1
), l AS (
  SELECT (v.created_at AT TIME ZONE %(tz)s)::date AS day, sum(l.price * l.quantity) AS gross,
         sum(l.unit_cost * l.quantity) FILTER (WHERE l.unit_cost IS NOT NULL) AS cost
  FROM etl_orderline l JOIN valid v ON v.id = l.order_id
  WHERE v.created_at >= %(start)s AND v.created_at < %(end)s GROUP BY 1
), r AS (
  SELECT (r.created_at AT TIME ZONE %(tz)s)::date AS day,
         sum(coalesce(r.returns_amount, r.amount)) AS returns, sum(r.amount) AS refunded
  FROM etl_refund r JOIN valid v ON v.id = r.order_id
  WHERE r.created_at >= %(start)s AND r.created_at < %(end)s GROUP BY 1
), a AS (
  SELECT i.date AS day, i.platform, sum(i.spend * coalesce(fx.rate, 1)) AS spend,
         sum(i.impressions) AS impressions, sum(i.clicks) AS clicks,
         sum(i.conversion_value * coalesce(fx.rate, 1)) AS conversion_value
  FROM etl_adinsightdaily i LEFT JOIN etl_fxrate fx ON fx.day = i.date AND fx.currency = i.currency
  WHERE i.date >= %(since)s AND i.date <= %(until)s GROUP BY 1, 2
)
SELECT * FROM o FULL JOIN l USING (day) FULL JOIN r USING (day) FULL JOIN a USING (day)
"""


def seconds(fn, repeat: int = 1) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


@contextmanager
def stage_times():
    """Seconds spent in each step of ``etl.metrics.compute`` while the block runs (its functions wrapped)."""
    compute_module = importlib.import_module("etl.metrics.compute")
    from etl.metrics import sources

    steps = {
        "analyze": [(compute_module, "analyze_if_stale")],
        "first orders": [(compute_module, "refresh_first_orders")],
        "aggregation": [(sources, name) for name in ("ad_insights", "orders", "order_lines", "refunds")],
    }
    spent = dict.fromkeys(steps, 0.0)

    def timed(step, fn):
        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[step] += time.perf_counter() - start

        return wrapper

    originals = [
        (module, name, getattr(module, name)) for targets in steps.values() for module, name in targets
    ]
    for step, targets in steps.items():
        for module, name in targets:
            setattr(module, name, timed(step, getattr(module, name)))
    try:
        yield spent
    finally:
        for module, name, fn in originals:
            setattr(module, name, fn)


def load(connection, orders: int, insights: int) -> None:
    from etl.models import AdAccount, Campaign, FxRate

    rng = random.Random(20250101)
    accounts = [
        AdAccount.objects.create(
            platform="meta", external_id="act_1", currency="USD", timezone="America/Toronto"
        ),
        AdAccount.objects.create(
            platform="meta", external_id="act_2", currency="USD", timezone="America/Toronto"
        ),
        AdAccount.objects.create(
            platform="tiktok", external_id="7001", currency="CAD", timezone="America/Toronto"
        ),
    ]
    days = [SINCE + timedelta(days=n) for n in range((UNTIL - SINCE).days + 1)]
    per_day = max(1, insights // len(days))
    campaigns = [
        Campaign.objects.create(account=accounts[n % 3], external_id=str(1000 + n), name=f"Campaign {n}")
        for n in range(per_day)
    ]
    FxRate.objects.bulk_create(
        [
            FxRate(day=day, currency="CAD", rate=Decimal("0.73") + Decimal(rng.randint(-200, 200)) / 10000)
            for day in days
        ]
    )
    fetched = datetime(2026, 1, 1, tzinfo=TZ)
    with connection.cursor() as cursor:
        raw = cursor.cursor
        print(f"  loading {per_day * len(days):,} insight rows", flush=True)
        with raw.copy(
            "COPY etl_adinsightdaily (platform, account_id, campaign_id, date, spend, impressions, clicks, "
            "conversions, conversion_value, currency, fetched_at) FROM STDIN"
        ) as copy:
            for day in days:
                for campaign in campaigns:
                    account = accounts[(int(campaign.external_id) - 1000) % 3]
                    spend = Decimal(rng.randint(500, 20000)) / 100
                    copy.write_row(
                        (
                            account.platform,
                            account.pk,
                            campaign.pk,
                            day,
                            spend,
                            rng.randint(1000, 90000),
                            rng.randint(10, 900),
                            rng.randint(0, 12),
                            spend * Decimal(rng.randint(50, 400)) / 100,
                            account.currency,
                            fetched,
                        )
                    )
        print(f"  loading {orders:,} orders with their lines and refunds", flush=True)
        year_seconds = (
            int(
                (
                    datetime.combine(UNTIL, datetime.min.time(), TZ)
                    - datetime.combine(SINCE, datetime.min.time(), TZ)
                ).total_seconds()
            )
            + 86399
        )
        start = datetime.combine(SINCE, datetime.min.time(), TZ)
        customers = max(1, orders * 2 // 5)
        refunds = []
        order_sql = (
            "COPY etl_order (id, shop, external_id, name, created_at, processed_at, updated_at, "
            "cancelled_at, deleted_at, test, currency, subtotal, discounts, tax, shipping, total, "
            "current_total, customer_key) FROM STDIN"
        )
        line_sql = (
            "COPY etl_orderline (order_id, external_id, sku, title, quantity, price, discount, unit_cost) "
            "FROM STDIN"
        )
        # One COPY at a time per connection: orders, then their lines, chunk by chunk.
        for first in range(1, orders + 1, CHUNK):
            order_rows, line_rows = [], []
            for n in range(first, min(first + CHUNK, orders + 1)):
                created = start + timedelta(seconds=rng.randint(0, year_seconds))
                subtotal = Decimal(0)
                for k in range(1 + n % 3):
                    price = Decimal(rng.randint(900, 12000)) / 100
                    quantity = 1 + (n + k) % 2
                    cost = (price * Decimal("0.4")).quantize(CENT) if (n + k) % 4 else None
                    line_rows.append((n, n * 10 + k, f"SKU-{(n + k) % 500}", "", quantity, price, 0, cost))
                    subtotal += price * quantity
                discount = (subtotal * Decimal("0.1")).quantize(CENT) if n % 7 == 0 else Decimal(0)
                shipping, tax = Decimal("6.50"), (subtotal * Decimal("0.13")).quantize(CENT)
                total = subtotal - discount + shipping + tax
                cancelled = created + timedelta(hours=3) if n % 97 == 0 else None
                who = rng.randint(1, customers)
                key = f"customer:{who}" if n % 6 else f"email:guest{who}@example.com"
                order_rows.append(
                    (
                        n,
                        "bench.myshopify.com",
                        n,
                        f"#{n}",
                        created,
                        created,
                        created,
                        cancelled,
                        None,
                        n % 499 == 0,
                        "USD",
                        subtotal - discount,
                        discount,
                        tax,
                        shipping,
                        total,
                        total,
                        key,
                    )
                )
                if n % 12 == 0:
                    returns = subtotal / 2 if n % 24 else None
                    refunds.append((n, created + timedelta(days=rng.randint(1, 20)), total / 2, returns))
            for sql, rows in ((order_sql, order_rows), (line_sql, line_rows)):
                with raw.copy(sql) as copy:
                    for row in rows:
                        copy.write_row(row)
            print(f"    {min(first + CHUNK - 1, orders):,} orders", flush=True)
        with raw.copy(
            "COPY etl_refund (order_id, external_id, created_at, amount, returns_amount) FROM STDIN"
        ) as copy:
            for n, (order_id, created, amount, returns) in enumerate(refunds):
                copy.write_row((order_id, n, created, amount, returns))
        cursor.execute("SELECT setval(pg_get_serial_sequence('etl_order', 'id'), %s)", [orders])
        cursor.execute("ANALYZE")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--insights", type=int, default=200_000)
    args = parser.parse_args()
    if not needs_postgres("bench/metrics_compute.py"):
        return 2

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    from etl.metrics import compute, sources
    from etl.metrics.customers import refresh_first_orders
    from tests.factories import UserFactory

    with scratch_database("metrics"):
        t0 = time.perf_counter()
        load(connection, args.orders, args.insights)
        print(f"  loaded in {time.perf_counter() - t0:.1f} s", flush=True)

        with stage_times() as first_run:
            cold, result = seconds(lambda: compute(SINCE, UNTIL))
        warm, result = seconds(lambda: compute(SINCE, UNTIL), repeat=3)
        params = {
            "tz": settings.REPORTING_TIMEZONE,
            "since": SINCE,
            "until": UNTIL,
            "start": datetime.combine(SINCE, datetime.min.time(), TZ),
            "end": datetime.combine(UNTIL + timedelta(days=1), datetime.min.time(), TZ),
        }

        def floor():
            with connection.cursor() as cursor:
                cursor.execute(FLOOR_SQL, params)
                return cursor.fetchall()

        floor_time, floor_rows = seconds(floor, repeat=3)
        flags_time, _ = seconds(lambda: refresh_first_orders(SINCE, UNTIL), repeat=3)
        stages = {
            name: seconds(lambda fn=fn: fn(SINCE, UNTIL), repeat=3)[0]
            for name, fn in [
                ("insights", sources.ad_insights),
                ("orders", sources.orders),
                ("lines", sources.order_lines),
                ("refunds", sources.refunds),
            ]
        }
        print(
            f"compute_metrics, 1 year ({result.rows_read:,} source rows: {args.orders:,} orders, "
            f"{args.insights:,} insight rows requested): first run {cold:.2f} s (first orders recorded), "
            f"rerun median {warm:.2f} s, {result.rows_written} rows written"
        )
        print(
            f"hand-written SQL aggregate over the same rows (floor): median {floor_time:.2f} s "
            f"({len(floor_rows)} rows)"
        )
        print(f"ratio compute / floor: {warm / floor_time:.2f}x (first run {cold / floor_time:.2f}x)")
        print(
            "  of the first run: "
            + ", ".join(f"{name} {value:.2f} s" for name, value in first_run.items())
            + f", the rest (FX, rows, write, commit) {cold - sum(first_run.values()):.2f} s"
        )
        print(
            f"  of a rerun: first orders {flags_time:.2f} s; aggregation "
            + ", ".join(f"{name} {value:.2f} s" for name, value in stages.items())
        )

        client = Client()
        client.force_login(UserFactory(username="bench", is_superuser=True))
        query = {"range": "custom", "since": SINCE.isoformat(), "until": UNTIL.isoformat()}
        client.get("/admin/dashboards/metrics/", {"range": "7"})
        queries = []

        def count(execute, sql, params, many, context):
            queries.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            response = client.get("/admin/dashboards/metrics/", query)
        if response.status_code != 200:
            raise RuntimeError(f"the dashboard answered {response.status_code}")
        view_time, _ = seconds(lambda: client.get("/admin/dashboards/metrics/", query), repeat=5)
        day_time, _ = seconds(
            lambda: client.get("/admin/dashboards/metrics/", {**query, "channel": "all"}), repeat=5
        )
        print(
            f"dashboard, 365 days: median {view_time * 1000:.0f} ms ({len(queries)} queries); "
            f"365-day drill-down table: median {day_time * 1000:.0f} ms"
        )
        print(f"ratio dashboard / floor aggregate: {view_time / floor_time:.3f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
