"""``manage.py etl_pull {meta,tiktok,shopify,all} [--since] [--until] [--full-refresh] [--dry-run] [--wait]``.

Exit status: 0 when every source ran, 1 when one failed, 3 when none failed
but one was skipped because another run of it held the lock.
"""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from etl import sources
from etl.errors import EtlError
from etl.pull import pull_source
from health.jobs import JobSkipped, format_error, track_job
from health.models import JobRun
from health.runners import add_wait_argument, skipped_error


def day(option: str, value: str | date | None) -> date | None:
    """The option's date, or a CommandError naming the option and the value."""
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        reason = "" if str(exc).startswith("Invalid isoformat") else f" ({exc})"
        raise CommandError(f"{option} {value!r} is not a date like 2026-03-14{reason}") from None


class Command(BaseCommand):
    help = "Pull ads and orders from Meta, TikTok and Shopify into the tables (recorded as job runs)."

    def add_arguments(self, parser):
        parser.add_argument("source", choices=[*sources.NAMES, "all"])
        # Read in handle(), not by argparse: a bad date is then one CommandError line.
        parser.add_argument("--since", help="First day (inclusive), YYYY-MM-DD.")
        parser.add_argument(
            "--until", help="Last day (inclusive), YYYY-MM-DD; a day after today is cut at now."
        )
        parser.add_argument("--full-refresh", action="store_true", help="Ignore the saved cursor.")
        parser.add_argument("--dry-run", action="store_true", help="Fetch and count, write nothing.")
        add_wait_argument(parser)

    def handle(self, *args, **options):
        since, until = day("--since", options["since"]), day("--until", options["until"])
        if since and until and since > until:
            raise CommandError(f"--since {since} is after --until {until}")
        names = sources.NAMES if options["source"] == "all" else (options["source"],)
        summaries, failed, skipped_sources = [], [], []
        for source in names:
            job = sources.get(source).job
            try:
                # The same job name and lock as the Celery task: a command and a
                # scheduled pull of one source never run at once.
                with track_job(
                    job, trigger=JobRun.Trigger.COMMAND, wait=options["wait"], on_wait=self.stdout.write
                ) as run:
                    result = pull_source(
                        source,
                        since=since,
                        until=until,
                        full_refresh=options["full_refresh"],
                        dry_run=options["dry_run"],
                        progress=self.stdout.write,
                    )
                    run.add(read=result.rows_read, written=result.rows_written)
                    run.note(
                        **{
                            k: v
                            for k, v in result.as_dict().items()
                            if k not in ("rows_read", "rows_written")
                        }
                    )
                summaries.append(result.summary())
            except JobSkipped as skipped:
                skipped_sources.append(source)
                summaries.append(f"{source}: {skipped.run.error}")
            except EtlError as exc:
                failed.append(source)
                summaries.append(f"{source}: FAILED, {exc}")
            except Exception as exc:
                failed.append(source)
                summaries.append(f"{source}: FAILED, {format_error(exc)}")
        line = "etl_pull: " + "; ".join(summaries)
        if failed:
            raise CommandError(line)
        if skipped_sources:
            raise skipped_error(line)
        self.stdout.write(self.style.SUCCESS(line))
