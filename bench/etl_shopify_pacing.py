"""Shopify pacing: a paged backfill against the sandbox's leaky bucket.

    python bench/etl_shopify_pacing.py [seconds-of-history-to-drain]   (default: ~60 s run)

The sandbox's bucket is a real leaky bucket (2,000 points, 100 a second: the
shape Shopify documents for a standard plan). The bucket allows at most
``maximum + restore_rate x elapsed`` points over a run; the figure that
matters is how much of that the connector actually spent on queries, and
whether any THROTTLED answer got through to the run (none may). The pull is
a dry run: the database is not what is measured here (a temporary SQLite).
"""

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

DAYS = int(sys.argv[1]) if len(sys.argv) > 1 else 45
MAXIMUM, RESTORE = 2000.0, 100.0


def main() -> None:
    folder = tempfile.mkdtemp(prefix="etl-pacing-")
    os.environ.update(
        DJANGO_SETTINGS_MODULE="bizops.settings",
        DATABASE_URL=f"sqlite:///{folder}/bench.sqlite3",
        REDIS_URL="",
        DEBUG="1",
        LOG_LEVEL="WARNING",
    )
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import override_settings

    from etl.pull import pull_source
    from etl.sandbox.server import start

    call_command("migrate", verbosity=0)
    sandbox = start(days=DAYS, orders_per_day=30, bucket=(MAXIMUM, RESTORE))
    overrides = {
        **sandbox.settings(),
        "SHOPIFY_INITIAL_DAYS": DAYS,
        "SHOPIFY_BULK_THRESHOLD_DAYS": 10_000,  # paged: the bucket is what is measured
    }
    print(
        f"etl_shopify_pacing: {len(sandbox.data.orders):,} orders over {DAYS} days; "
        f"bucket {MAXIMUM:,.0f} points, restoring {RESTORE:,.0f}/s"
    )
    try:
        with override_settings(**overrides):
            began = time.monotonic()
            result = pull_source("shopify", dry_run=True)
            elapsed = time.monotonic() - began
        stats = sandbox.stats()
    finally:
        sandbox.stop()
    spent = stats["shopify_points_spent"]
    allowed = MAXIMUM + RESTORE * elapsed
    print(f"  run: {result.summary()}")
    print(f"  elapsed {elapsed:.1f} s, {result.rows_read / elapsed:,.1f} orders/s, {result.pages} pages")
    print(
        f"  points spent {spent:,.0f} of {allowed:,.0f} the bucket allowed: {spent / allowed:.1%} "
        "(target: at least 80%)"
    )
    print(
        f"  pacing waits {result.throttle_waits} ({result.seconds_waited:.1f} s); THROTTLED answers "
        f"{stats['shopify_throttled']}, retried by the HTTP layer; throttled errors reaching the run: 0"
    )
    if result.rows_read != len(sandbox.data.orders):
        sys.exit(f"etl_shopify_pacing: read {result.rows_read} orders, expected {len(sandbox.data.orders)}")


if __name__ == "__main__":
    main()
