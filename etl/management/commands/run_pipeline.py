from django.core.management.base import CommandError

from etl import pipeline
from etl.metrics.days import parse_day
from health.runners import JobCommand


class Command(JobCommand):
    help = (
        "The nightly pipeline in one go: pull Meta, TikTok and Shopify, then recompute the metrics "
        "(--since/--until, or each source's incremental window and the metrics' trailing window)."
    )
    job_name = "etl.run_pipeline"

    def add_arguments(self, parser):
        parser.add_argument("--since", help="First day to pull and compute, YYYY-MM-DD.")
        parser.add_argument("--until", help="Last day, YYYY-MM-DD (default: yesterday).")

    def run_job(self, run, **options):
        try:
            since = parse_day(options["since"], "--since") if options["since"] else None
            until = parse_day(options["until"], "--until") if options["until"] else None
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        result = pipeline.run(since=since, until=until, progress=self.stdout.write)
        run.add(
            read=sum(o.rows_read for o in result.sources), written=sum(o.rows_written for o in result.sources)
        )
        run.note(sources={o.source: o.status for o in result.sources}, stale_sources=result.stale)
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
            raise CommandError(
                f"{line}; stale: {', '.join(sorted(result.stale))} (metrics computed on what is there)"
            )
        self.stdout.write(self.style.SUCCESS(line))
