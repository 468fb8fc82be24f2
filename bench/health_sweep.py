"""Benchmark: the weekly health sweep over a year of job runs (about 20,000) and the demo's data.

    DATABASE_URL=postgres://... python bench/health_sweep.py [--year-runs 20000]

It needs PostgreSQL (the database named by DATABASE_URL is left untouched: a
scratch database ``<name>_bench_health`` is created beside it and dropped at the end).
It seeds the demo (backlog, finance plan, flags and experiments), writes one
week of runs for every registered job, sweeps, then adds the rest of a year
and sweeps again. Printed: each sweep's time and query count (the count must
not grow with the runs: the sweep reads a week, in a fixed number of queries),
the time of one SQL read of the week's runs (the floor), and the ratios.
"""

import argparse
import os
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

from scratch import needs_postgres, scratch_database

# (job, every): the schedules beat runs, thinned to about 20,000 runs a year.
PLAN = [
    ("etl.nightly_pipeline", timedelta(days=1)),
    ("etl.pull_meta", timedelta(days=1)),
    ("etl.pull_tiktok", timedelta(days=1)),
    ("etl.pull_shopify", timedelta(days=1)),
    ("etl.compute_metrics", timedelta(days=1)),
    ("health.prune_job_runs", timedelta(days=1)),
    ("health.weekly_sweep", timedelta(days=7)),
    ("flags.recompute_results", timedelta(hours=1)),
    ("health.mark_abandoned", timedelta(hours=1)),  # every 10 min in production; hourly here
]


def runs_between(start, end, rng):
    from health.models import JobRun

    rows = []
    for job, every in PLAN:
        at = start
        while at < end:
            status = "failed" if rng.random() < 0.02 else "succeeded"
            seconds = rng.uniform(1, 120)
            rows.append(
                JobRun(
                    job=job,
                    trigger="beat",
                    status=status,
                    started_at=at,
                    finished_at=at + timedelta(seconds=seconds),
                    duration=timedelta(seconds=seconds),
                    rows_read=rng.randint(0, 5000),
                    rows_written=rng.randint(0, 5000),
                    error="ProviderError: 500" if status == "failed" else "",
                )
            )
            at += every
    return rows


def measure(fn, repeat: int = 3):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    best, queries = None, None
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            t0 = time.perf_counter()
            fn()
            took = time.perf_counter() - t0
        best = took if best is None else min(best, took)
        queries = len(captured)
    return best, queries


def minute_crontab_week(now):
    """Celery's crontab walked minute by minute over a week, each slot matched to a run."""
    from django_celery_beat.models import CrontabSchedule

    from health.expected import Schedule, match_runs

    cron = CrontabSchedule(minute="*", hour="*", timezone=settings_timezone()).schedule
    schedule = Schedule(cron, timedelta(minutes=1), "every minute")
    start = now - timedelta(days=7)
    starts = [start + timedelta(minutes=i, seconds=2) for i in range(7 * 24 * 60)]
    t0 = time.perf_counter()
    matched = match_runs(schedule, timedelta(minutes=10), starts, since=start, now=now, anchor=None)
    return time.perf_counter() - t0, len(matched.slots)


def settings_timezone():
    from django.conf import settings

    return settings.REPORTING_TIMEZONE


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args()
    if not needs_postgres("bench/health_sweep.py"):
        return 2

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from bizops.core.backlog_files import import_dir
    from flags.demo import seed_demo as seed_flags
    from health.models import JobRun
    from health.report import write_snapshot
    from health.sweep import run_sweep

    settings.DEBUG = True  # the demo seeders run only on a demo database
    rng = random.Random(args.seed)
    with scratch_database("health"):
        import_dir(Path(__file__).resolve().parents[1] / "bizops" / "core" / "fixtures" / "backlog")
        call_command("seed_finance_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
        seed_flags()
        now = timezone.now()
        week_start, year_start = now - timedelta(days=7), now - timedelta(days=365)
        JobRun.objects.bulk_create(runs_between(week_start, now, rng), batch_size=5000)
        week_rows = JobRun.objects.count()
        run_sweep()  # the first sweep creates the monitors; the measured ones record no flip
        week_time, week_queries = measure(run_sweep)

        JobRun.objects.bulk_create(runs_between(year_start, week_start, rng), batch_size=5000)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE health_jobrun")
        year_rows = JobRun.objects.count()
        year_time, year_queries = measure(run_sweep)
        report_time, report_queries = measure(lambda: write_snapshot(run_sweep()), repeat=1)

        def floor():
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT job, status, started_at, duration FROM health_jobrun WHERE started_at >= %s",
                    [week_start],
                )
                return cursor.fetchall()

        floor_time, _ = measure(floor)
        minute_time, slots = minute_crontab_week(now)
        print(f"job runs: {week_rows:,} in the week, {year_rows:,} in the year")
        print(f"sweep, a week of runs:  {week_time * 1000:,.1f} ms, {week_queries} queries")
        print(f"sweep, a year of runs:  {year_time * 1000:,.1f} ms, {year_queries} queries")
        print(f"sweep + snapshot + report + tickets: {report_time * 1000:,.1f} ms, {report_queries} queries")
        print(f"floor (one SELECT of the week's runs): {floor_time * 1000:,.2f} ms")
        print(f"expected runs of an every-minute crontab over a week: {slots:,} slots matched in "
              f"{minute_time * 1000:,.1f} ms (Celery's own schedule, one call per slot)")  # fmt: skip
        print(
            f"ratios: year/week {year_time / week_time:.2f}x; year/floor {year_time / floor_time:,.0f}x; "
            f"queries {'constant' if year_queries == week_queries else 'NOT constant'} "
            f"({week_queries} -> {year_queries})"
        )
        return 0 if year_queries == week_queries else 1


if __name__ == "__main__":
    sys.exit(main())
