"""Date ranges of the dashboards: presets ending yesterday, and their comparisons.

Presets end yesterday, the last complete reporting day (today is still
filling up). The previous period is the same number of days just before; the
previous year is the same calendar dates a year earlier (29 February becomes
the 28th).
"""

from dataclasses import dataclass
from datetime import date, timedelta

PRESETS = {"7": "Last 7 days", "30": "Last 30 days", "90": "Last 90 days", "mtd": "Month to date"}
DEFAULT_PRESET = "30"
MAX_DAYS = 3 * 366
# No data predates this; far-off dates (year 1, year 9999) would overflow the
# comparisons' date arithmetic.
EARLIEST = date(2000, 1, 1)


@dataclass(frozen=True)
class Period:
    since: date
    until: date

    @property
    def days(self) -> int:
        return (self.until - self.since).days + 1

    def as_tuple(self) -> tuple[date, date]:
        return self.since, self.until

    def contains(self, day: date) -> bool:
        return self.since <= day <= self.until

    def label(self) -> str:
        if self.since == self.until:
            return self.since.strftime("%b %-d, %Y")
        return f"{self.since:%b %-d, %Y} to {self.until:%b %-d, %Y}"


@dataclass(frozen=True)
class Selection:
    preset: str  # a PRESETS key or "custom"
    current: Period
    previous: Period
    previous_year: Period
    error: str = ""


def _years_later(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def shown_days(yesterday: date) -> Period:
    """The days a page may be asked about: from EARLIEST to a year after today."""
    return Period(EARLIEST, _years_later(yesterday + timedelta(days=1), 1))


def compare(current: Period) -> tuple[Period, Period]:
    """The previous period (same length, just before) and the same dates a year earlier."""
    previous = Period(current.since - timedelta(days=current.days), current.since - timedelta(days=1))
    return previous, Period(_years_later(current.since, -1), _years_later(current.until, -1))


def preset_period(preset: str, yesterday: date) -> Period:
    if preset == "mtd":
        return Period(yesterday.replace(day=1), yesterday)
    return Period(yesterday - timedelta(days=int(preset) - 1), yesterday)


def _custom(since_text: str, until_text: str, yesterday: date) -> Period:
    try:
        since = date.fromisoformat(since_text)
        until = date.fromisoformat(until_text)
    except ValueError:
        raise ValueError("give both dates of a custom range as YYYY-MM-DD") from None
    if since > until:
        raise ValueError("the custom range starts after it ends")
    if until > yesterday:
        raise ValueError(f"the custom range must end by yesterday ({yesterday.isoformat()})")
    if since < EARLIEST:
        raise ValueError(f"the custom range must start on or after {EARLIEST.isoformat()}")
    if (until - since).days + 1 > MAX_DAYS:
        raise ValueError(f"a custom range is at most {MAX_DAYS} days (3 years)")
    return Period(since, until)


def select(params, yesterday: date) -> Selection:
    """The range asked for in query ``params`` (``range``, ``since``, ``until``); a bad one says why."""
    preset = params.get("range") or DEFAULT_PRESET
    error = ""
    if preset == "custom":
        try:
            current = _custom(params.get("since", ""), params.get("until", ""), yesterday)
        except ValueError as exc:
            preset, error = DEFAULT_PRESET, f"{exc}; showing {PRESETS[DEFAULT_PRESET].lower()}"
            current = preset_period(preset, yesterday)
    else:
        if preset not in PRESETS:
            preset, error = (
                DEFAULT_PRESET,
                f"unknown range {preset!r}; showing {PRESETS[DEFAULT_PRESET].lower()}",
            )
        current = preset_period(preset, yesterday)
    previous, previous_year = compare(current)
    return Selection(preset, current, previous, previous_year, error)
