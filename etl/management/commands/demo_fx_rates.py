from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from bizops.core.demo import refuse_unless_demo
from etl.metrics.days import today
from etl.metrics.demo_fx import fill_demo_rates
from etl.models import AdAccount, Order


class Command(BaseCommand):
    help = (
        "Demo only: fill made-up FX rates for the missing days of the last --days days, for the "
        "currencies of the loaded ad accounts and orders (or --currency). Never replaces a rate."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=100, help="Days back from today (default 100).")
        parser.add_argument("--currency", action="append", default=[], help="e.g. EUR; may be repeated.")

    def handle(self, *args, **options):
        refuse_unless_demo("demo_fx_rates writes made-up rates")
        currencies = [c.strip().upper() for c in options["currency"]]
        currencies += list(AdAccount.objects.values_list("currency", flat=True).distinct())
        currencies += list(Order.objects.values_list("currency", flat=True).distinct())
        foreign = sorted({c for c in currencies if c != settings.REPORTING_CURRENCY})
        if not foreign:
            self.stdout.write(
                f"demo_fx_rates: every currency is {settings.REPORTING_CURRENCY}; nothing to do"
            )
            return
        until = today()
        try:
            written = fill_demo_rates(foreign, until - timedelta(days=options["days"] - 1), until)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"demo_fx_rates: {written} made-up rate(s) written for {', '.join(foreign)} "
            f"over the last {options['days']} days"
        )
