"""A night of a large store, end to end: the real pipeline against the sandbox at that size.

    DATABASE_URL=postgres://... python bench/nightly.py [--orders 1000000] [--changed 0.02]

A scratch database ``<name>_bench_nightly`` (beside the one DATABASE_URL names,
dropped at the end) is filled as a year of earlier nights would have left it,
from the sandbox's own data: a year of orders (``--orders``, with their lines
and refunds) loaded through the loader, a year of ad rows through the real ad
pulls, the cursors where the last night left them, and the metrics computed
once. Then the night, in the sandbox: the day's new orders, and ``--changed``
of all orders changed during the day (a return refunded, ``updated_at``
moved); the ad platforms re-serve their days as always. The night runs through
``etl.pipeline.run`` (the pulls, then the metrics, as the chord's tasks do):
Meta re-pulls ``META_LOOKBACK_DAYS`` (28) days, TikTok 7, Shopify every order
updated since its cursor, and the metrics recompute ``METRICS_TRAILING_DAYS``.

Printed: the time of each step and where it went (the pull's requests and
parsing, including the sandbox serving them in this process, vs the loader's
writes), rows read and written, and the metrics.

The sandbox's cost bucket is set as on Shopify Plus (10,000 points, 1,000 a
second; a store of this size is on such a plan, and the standard 100 a second
would make the night mostly waiting); pages are ``SHOPIFY_PAGE_SIZE`` (25)
orders, the most whose query cost stays under Shopify's 1,000 a query.
"""

import argparse
import os
import random
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
BATCH = 5_000


def configure() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        print("bench/nightly.py needs PostgreSQL: set DATABASE_URL=postgres://user@host:5432/name")
        sys.exit(2)
    import psycopg

    base, _, name = url.rpartition("/")
    bench = f"{name.split('?')[0]}_bench_nightly"
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


def drop(server_url: str) -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    name = server_url.rpartition("/")[2].split("?")[0]
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}_bench_nightly"')


class Timed:
    """Wraps a loader function, adding up the seconds spent in it."""

    def __init__(self, fn):
        self.fn, self.seconds = fn, 0.0

    def __call__(self, *args, **kwargs):
        began = time.perf_counter()
        try:
            return self.fn(*args, **kwargs)
        finally:
            self.seconds += time.perf_counter() - began


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--changed", type=float, default=0.02)
    args = parser.parse_args()
    server_url = configure()
    try:
        run(args.orders, args.changed)
    finally:
        drop(server_url)
    return 0


def run(orders: int, changed_share: float) -> None:
    from django.conf import settings
    from django.db import transaction

    import etl.pull as ads_pull
    import etl.pull_shopify as shopify_pull
    from etl import pipeline
    from etl.conf import shopify_conf
    from etl.connectors.shopify import parse_order
    from etl.load import load_orders, save_cursor
    from etl.metrics.compute import compute
    from etl.metrics.days import yesterday
    from etl.metrics.demo_fx import fill_demo_rates
    from etl.models import AdInsightDaily, Order
    from etl.pull import pull_source
    from etl.sandbox import shopify_api
    from etl.sandbox.data import Refund
    from etl.sandbox.server import start

    # The sandbox's search scans every order for every page; at this size that is the
    # sandbox's cost, not the pipeline's: keep each search's answer for its next pages.
    found: dict[tuple, list] = {}
    plain = shopify_api.matching

    def matching(data, search):
        key = (id(data), search, len(data.orders))
        if key not in found:
            found[key] = plain(data, search)
        return found[key]

    shopify_api.matching = matching

    began = time.perf_counter()
    handle = start(
        days=365, orders_per_day=max(1, orders // 365), bulk_seconds=0.05, bucket=(10000.0, 1000.0)
    )
    data = handle.box.data
    night_start = data.now - timedelta(days=1)
    for name, value in handle.settings().items():
        setattr(settings, name, value)

    print(
        f"nightly: sandbox of {len(data.orders):,} orders over 365 days built in "
        f"{time.perf_counter() - began:.1f} s",
        flush=True,
    )

    # --- the store as the earlier nights left it --------------------------------------------
    began = time.perf_counter()
    shop = shopify_conf().shop
    earlier = [o for o in data.orders if o.updated_at < night_start]
    for first in range(0, len(earlier), BATCH):
        records = [
            parse_order(shopify_api.order_json(o, data.currency)) for o in earlier[first : first + BATCH]
        ]
        load_orders(shop, records)
    with transaction.atomic():
        save_cursor("shopify", shop, night_start.isoformat())
    print(f"  {len(earlier):,} orders loaded in {time.perf_counter() - began:.1f} s", flush=True)
    began = time.perf_counter()
    last = yesterday()
    for source in ("meta", "tiktok"):
        pull_source(source, since=last - timedelta(days=364), until=last - timedelta(days=1))
    insight_rows = AdInsightDaily.objects.count()
    fill_demo_rates(["EUR"], last - timedelta(days=400), last + timedelta(days=1))
    compute(last - timedelta(days=364), last - timedelta(days=1))
    print(
        f"  {insight_rows:,} ad rows pulled and a year of metrics computed in "
        f"{time.perf_counter() - began:.1f} s",
        flush=True,
    )

    # --- the night's changes in the sandbox -------------------------------------------------
    rng = random.Random(17)
    new_orders = len(data.orders) - len(earlier)
    changed = rng.sample(earlier, int(len(earlier) * changed_share))
    for order in changed:
        when = night_start + timedelta(seconds=rng.randint(60, 86_000))
        line = order.lines[0]
        refunded = (line.price * Decimal("1.13")).quantize(Decimal("0.01"))
        order.refunds.append(Refund(order.gid * 10 + 9, when, refunded, line.price))
        order.updated_at = max(order.updated_at, when)
    found.clear()

    # --- the night -------------------------------------------------------------------------
    loads = {"orders": Timed(shopify_pull.load_orders), "insights": Timed(ads_pull.load_insights)}
    shopify_pull.load_orders, ads_pull.load_insights = loads["orders"], loads["insights"]
    steps: dict[str, float] = {}
    clock = {"at": time.perf_counter(), "step": None}

    def progress(message: str) -> None:
        now = time.perf_counter()
        if message.startswith(("pulling ", "computing metrics")):
            if clock["step"]:
                steps[clock["step"]] = now - clock["at"]
            clock["at"], clock["step"] = now, message.removeprefix("pulling ")

    began = time.perf_counter()
    before = {"orders": Order.objects.count(), "insights": AdInsightDaily.objects.count()}
    result = pipeline.run(progress=progress)
    total = time.perf_counter() - began
    steps[clock["step"]] = time.perf_counter() - clock["at"]
    handle.stop()

    print(
        f"\nnightly: a store of {before['orders']:,} orders and {before['insights']:,} ad rows; the night: "
        f"{new_orders:,} new orders, {len(changed):,} changed ({changed_share:.0%}), ad days re-pulled "
        f"(Meta {settings.META_LOOKBACK_DAYS}, TikTok {settings.TIKTOK_LOOKBACK_DAYS}), metrics over "
        f"{settings.METRICS_TRAILING_DAYS} days"
    )
    print(f"{'step':<34}{'seconds':>9}{'share':>8}{'rows read':>12}{'rows written':>14}")
    outcomes = {o.source: o for o in result.sources}
    for label, seconds in steps.items():
        if label == "computing metrics":
            continue
        source = outcomes[label.lower()]
        read, written = source.rows_read, source.rows_written
        print(f"{'pull ' + label:<34}{seconds:>9.1f}{seconds / total:>8.0%}{read:>12,}{written:>14,}")
    pulls = sum(seconds for label, seconds in steps.items() if label != "computing metrics")
    shares = {
        "  of which requests and parsing": pulls - loads["insights"].seconds - loads["orders"].seconds,
        "  of which the loader (ads)": loads["insights"].seconds,
        "  of which the loader (orders)": loads["orders"].seconds,
    }
    for label, seconds in shares.items():
        print(f"{label:<34}{seconds:>9.1f}{seconds / total:>8.0%}")
    metrics = steps.get("computing metrics", 0.0)
    written = result.metrics.rows_written if result.metrics else 0
    read = result.metrics.rows_read if result.metrics else 0
    print(f"{'metrics':<34}{metrics:>9.1f}{metrics / total:>8.0%}{read:>12,}{written:>14,}")
    print(f"{'the night, end to end':<34}{total:>9.1f}{1:>8.0%}")
    if not result.ok:
        print(
            f"nightly: the night did not end cleanly: stale {result.stale}, metrics {result.metrics_error!r}"
        )


if __name__ == "__main__":
    sys.exit(main())
