"""``manage.py sandbox [--port] [--seed] [--days]``: the local API sandbox, on its own."""

import time

from django.core.management.base import BaseCommand

from etl.sandbox.server import start


class Command(BaseCommand):
    help = "Serve the Meta, TikTok and Shopify API sandbox on 127.0.0.1 until Ctrl-C."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--days", type=int, default=90, help="Days of history to generate.")
        parser.add_argument("--orders-per-day", type=int, default=30)
        parser.add_argument("--bucket", default="2000:100", help="Shopify bucket maximum:restore_rate.")

    def handle(self, *args, **options):
        maximum, rate = (float(x) for x in options["bucket"].split(":"))
        handle = start(
            options["port"],
            seed=options["seed"],
            days=options["days"],
            orders_per_day=options["orders_per_day"],
            bucket=(maximum, rate),
        )
        self.stdout.write(
            f"API sandbox on {handle.base_url} ({len(handle.data.orders)} orders). Point bizops at it:"
        )
        for name, value in handle.settings().items():
            self.stdout.write(f"  {name}={value}")
        self.stdout.write(
            'Faults: POST /_sandbox/faults {"kind": "429", "provider": "meta"}; Ctrl-C to stop.'
        )
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
        finally:
            handle.stop()
