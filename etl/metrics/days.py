"""Reporting days: a "day" is a calendar day in ``settings.REPORTING_TIMEZONE``.

Timestamps are bucketed by converting them to that zone first, so a day is
23 or 25 hours long across a DST change and never a UTC day.
"""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone


def reporting_tz() -> ZoneInfo:
    return ZoneInfo(settings.REPORTING_TIMEZONE)


def day_start(day: date) -> datetime:
    """The first instant of ``day`` in the reporting time zone (aware)."""
    return datetime.combine(day, time.min, tzinfo=reporting_tz())


def bounds(since: date, until: date) -> tuple[datetime, datetime]:
    """Half-open [start, end) instants covering the reporting days ``since``..``until``."""
    return day_start(since), day_start(until + timedelta(days=1))


def each_day(since: date, until: date) -> list[date]:
    return [since + timedelta(days=n) for n in range((until - since).days + 1)]


def today() -> date:
    return timezone.now().astimezone(reporting_tz()).date()


def yesterday() -> date:
    """The last complete reporting day."""
    return today() - timedelta(days=1)


def trailing_window(days: int | None = None, *, until: date | None = None) -> tuple[date, date]:
    """The ``days`` reporting days ending ``until`` (default: yesterday).

    ``days`` defaults to ``METRICS_TRAILING_DAYS``: refunds arrive late and the
    ad platforms restate recent days, so the nightly run recomputes them all.
    """
    days = days or settings.METRICS_TRAILING_DAYS
    until = until or yesterday()
    return until - timedelta(days=days - 1), until


def parse_day(text: str, name: str = "date") -> date:
    """An ISO date (YYYY-MM-DD), or a ValueError naming ``name``."""
    try:
        return date.fromisoformat(text)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be an ISO date like 2025-01-31, got {text!r}") from None
