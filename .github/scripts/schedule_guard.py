#!/usr/bin/env python3
"""Run a scheduled workflow at a wall-clock time in a time zone, daylight saving or not.

GitHub's cron runs in UTC, so a job wanted at 01:10 in Toronto has two cron
lines, one for summer (UTC-4) and one for winter (UTC-5); this guard, given the
cron line that fired (github.event.schedule), says whether that line is the one
that falls on the wanted local time today. It judges the time the run was
scheduled for, not the time it started: GitHub often starts scheduled runs
late, and a late start must not skip the night. On the autumn night the
wanted time happens twice (01:10 EDT, then 01:10 EST), only the first runs.

    schedule_guard.py --schedule "10 5 * * *" --at 01:10 --timezone America/Toronto [--weekday mon]

Writes run=true|false to $GITHUB_OUTPUT when set, and says why on stdout.
Standard library only: it runs before anything is installed.
"""

import argparse
import os
import sys
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def scheduled_instant(schedule: str, now: datetime) -> datetime:
    """The UTC instant the cron line ``schedule`` fired for, at or before ``now``."""
    minute, hour = (int(field) for field in schedule.split()[:2])
    fired = now.astimezone(UTC).replace(hour=hour, minute=minute, second=0, microsecond=0)
    return fired - timedelta(days=1) if fired > now else fired


def should_run(
    schedule: str, at: str, timezone: str, now: datetime, weekday: str | None = None
) -> tuple[bool, str]:
    zone = ZoneInfo(timezone)
    fired = scheduled_instant(schedule, now)
    local = fired.astimezone(zone)
    hour, minute = (int(part) for part in at.split(":"))
    # fold=0: of a wall-clock time that happens twice, the first.
    wanted = datetime.combine(local.date(), time(hour, minute), tzinfo=zone).astimezone(UTC)
    if weekday is not None and local.strftime("%a").lower() != weekday:
        return False, f"{fired:%H:%M} UTC is {local:%A %H:%M %Z} in {timezone}, not a {weekday} run"
    if fired != wanted:
        return False, f"{fired:%H:%M} UTC is {local:%H:%M %Z} in {timezone}; today {at} is {wanted:%H:%M} UTC"
    return True, f"{fired:%H:%M} UTC is {at} {local:%Z} in {timezone}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schedule", required=True, help="The cron line that fired (github.event.schedule).")
    parser.add_argument("--at", required=True, help="The wanted local time, HH:MM.")
    parser.add_argument("--timezone", required=True, help="An IANA time zone name.")
    parser.add_argument("--weekday", choices=WEEKDAYS, help="Run on this local weekday only.")
    parser.add_argument("--now", help="ISO 8601 instant to judge instead of the current time (for tests).")
    args = parser.parse_args(argv)
    now = datetime.fromisoformat(args.now) if args.now else datetime.now(UTC)
    run, reason = should_run(args.schedule, args.at, args.timezone, now, args.weekday)
    print(f"{'running' if run else 'skipping'}: {reason}")  # noqa: T201 (the step's log)
    output = os.environ.get("GITHUB_OUTPUT")
    if output:
        with open(output, "a", encoding="utf-8") as handle:
            handle.write(f"run={'true' if run else 'false'}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
