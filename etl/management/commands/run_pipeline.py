from contextlib import ExitStack
from datetime import timedelta

from django.conf import settings
from django.core.management.base import CommandError
from django.test.utils import override_settings

from bizops.core.demo import refuse_unless_demo
from etl import pipeline
from etl.metrics.days import parse_day, yesterday
from etl.metrics.demo_fx import fill_demo_rates
from etl.models import AdAccount, Order
from health.runners import JobCommand


class Command(JobCommand):
    help = (
        "The nightly pipeline in one go: pull Meta, TikTok and Shopify, then recompute the metrics "
        "(--since/--until, or each source's incremental window and the metrics' trailing window). "
        "--sandbox runs it against the local API sandbox with --days of data (the demo)."
    )
    job_name = "etl.run_pipeline"

    def add_arguments(self, parser):
        parser.add_argument("--since", help="First day to pull and compute, YYYY-MM-DD.")
        parser.add_argument("--until", help="Last day, YYYY-MM-DD (default: yesterday).")
        parser.add_argument(
            "--sandbox",
            action="store_true",
            help="Demo: serve the sandbox APIs on 127.0.0.1, pull --days days, fill made-up FX rates.",
        )
        parser.add_argument("--days", type=int, default=90, help="With --sandbox: days of data (default 90).")

    def run_job(self, run, **options):
        try:
            since = parse_day(options["since"], "--since") if options["since"] else None
            until = parse_day(options["until"], "--until") if options["until"] else None
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        with ExitStack() as stack:
            before_metrics = None
            if options["sandbox"]:
                since, until = self._sandbox(stack, options["days"], since, until)
                before_metrics = lambda: self._demo_rates(since, until)  # noqa: E731
            result = pipeline.run(
                since=since, until=until, progress=self.stdout.write, before_metrics=before_metrics
            )
        run.add(
            read=sum(o.rows_read for o in result.sources), written=sum(o.rows_written for o in result.sources)
        )
        run.note(sources=pipeline.by_source(result.sources), stale_sources=result.stale)
        for note in result.metrics.notes if result.metrics else []:
            self.stdout.write(self.style.WARNING(f"note: {note}"))
        summary = ", ".join(f"{o.source} {o.status} ({o.rows_written} rows)" for o in result.sources)
        if result.metrics_error:
            raise CommandError(f"pulls: {summary}; metrics failed: {result.metrics_error}")
        metrics = result.metrics
        line = (
            f"run_pipeline: {summary}; metrics {metrics.since}..{metrics.until}: "
            f"{metrics.rows_written} rows written"
        )
        if result.stale:
            stale = ", ".join(sorted(result.stale))
            raise CommandError(f"{line}; stale: {stale} (metrics computed on what is there)")
        self.stdout.write(self.style.SUCCESS(line))

    def _sandbox(self, stack: ExitStack, days: int, since, until):
        refuse_unless_demo("--sandbox loads made-up data")
        from etl.sandbox.server import start

        handle = start(port=0, seed=1, days=days)
        stack.callback(handle.stop)
        stack.enter_context(override_settings(**handle.settings()))
        self.stdout.write(f"sandbox APIs on {handle.base_url} ({days} days of data)")
        until = until or yesterday()
        return since or until - timedelta(days=days - 1), until

    def _demo_rates(self, since, until) -> None:
        currencies = {
            *AdAccount.objects.order_by().values_list("currency", flat=True).distinct(),
            *Order.objects.order_by().values_list("currency", flat=True).distinct(),
        }
        foreign = sorted(currencies - {settings.REPORTING_CURRENCY})
        written = fill_demo_rates(foreign, since, until)
        self.stdout.write(
            f"demo FX rates: {written} made-up rate(s) for {', '.join(foreign) or 'no currency'}"
        )
