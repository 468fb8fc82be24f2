"""What a pull reports: its counters, notes and summary, shared by every source's pull."""

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime

from etl.http import WaitStats
from health.jobs import current_run

Progress = Callable[[str], None]


@dataclass
class PullResult:
    source: str
    pages: int = 0
    rows_read: int = 0
    rows_written: int = 0
    throttle_waits: int = 0
    seconds_waited: float = 0.0
    retries: int = 0
    peak_quota_pct: float | None = None
    accounts: list[str] = field(default_factory=list)
    mode: str = "pages"
    dry_run: bool = False
    notes: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic, repr=False)

    def take_waits(self, stats: WaitStats) -> None:
        self.throttle_waits, self.seconds_waited, self.retries = (
            stats.throttle_waits,
            round(stats.seconds_waited, 3),
            stats.retries,
        )
        self.peak_quota_pct = stats.peak_quota_pct

    def note(self, text: str, say: Progress) -> None:
        """Something a person should know about the run: shown now, kept in the run's detail."""
        self.notes.append(text)
        say(f"{self.source}: note: {text}")

    def as_dict(self) -> dict:
        data = asdict(self)
        data.pop("started")
        return data

    def summary(self) -> str:
        seconds = time.monotonic() - self.started
        return (
            f"{self.source}: {'dry run, ' if self.dry_run else ''}{len(self.accounts)} account(s), "
            f"{self.pages} page(s), {self.rows_read} rows read, {self.rows_written} rows written, "
            f"{self.throttle_waits} throttling wait(s) ({self.seconds_waited:.1f} s), "
            f"{self.retries} retries, "
            f"{seconds:.1f} s"
        )


def report_progress(result: PullResult) -> None:
    """Show the counters on the running JobRun, if the pull runs inside one."""
    run = current_run()
    if run:
        run.note(pages=result.pages, rows_read=result.rows_read, rows_written=result.rows_written)
        run.save_progress()


def aware(day: date, zone) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=zone)
