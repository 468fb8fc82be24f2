"""The analyzers' one interface: ``analyze(period) -> AnalyzerResult``.

A result carries its score (0-100, or None: "not enough data"), the formula
of that score with its inputs, the KPIs it measures (each with its value, its
target and where the target comes from, and the previous period's value),
findings with evidence rows and admin links, an owner and a 30-day signal.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings

from bizops.audit import fmt
from bizops.core import numbers
from etl.metrics.days import bounds, parse_day, yesterday

ZERO, ONE = Decimal(0), Decimal(1)
# A KPI that moved this much (relative) in the right direction counts as a full step of momentum.
DIRECTION_SATURATION = Decimal("0.10")
NOT_ENOUGH_DATA = "not enough data"
MAX_PERIOD_DAYS = 366


def _years_earlier(day: date, years: int = 1) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


@dataclass(frozen=True)
class Period:
    """Reporting days ``start``..``end`` (both included) in the reporting time zone."""

    start: date
    end: date

    @classmethod
    def ending(cls, end: date | None = None, days: int = 30) -> "Period":
        end = end or yesterday()
        return cls(end - timedelta(days=days - 1), end)

    @classmethod
    def parse(cls, text: str | None, *, end: date | None = None) -> "Period":
        """ "30" (the 30 days ending yesterday) or "
        ""2026-01-01..2026-01-31"; a ValueError names the problem."""
        text = (text or "").strip() or str(settings.AUDIT_PERIOD_DAYS)
        if ".." in text:
            first, _, last = text.partition("..")
            period = cls(
                parse_day(first.strip(), "the period's start"), parse_day(last.strip(), "the period's end")
            )
        else:
            digits = text.removesuffix("d")
            if not digits.isdigit() or int(digits) < 1:
                raise ValueError(
                    "period must be a number of days like 30 or a "
                    f"range like 2026-01-01..2026-01-31, got {text!r}"
                )
            period = cls.ending(end, int(digits))
        if period.end < period.start:
            raise ValueError(f"the period ends ({period.end}) before it starts ({period.start})")
        if period.days > MAX_PERIOD_DAYS:
            raise ValueError(f"the period is {period.days} days; at most {MAX_PERIOD_DAYS}")
        return period

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def previous(self) -> "Period":
        return Period(self.start - timedelta(days=self.days), self.start - timedelta(days=1))

    @property
    def last_year(self) -> "Period":
        return Period(_years_earlier(self.start), _years_earlier(self.end))

    def bounds(self) -> tuple[datetime, datetime]:
        return bounds(self.start, self.end)

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    @property
    def label(self) -> str:
        return f"{self.start:%b %-d, %Y} to {self.end:%b %-d, %Y} ({self.days} days)"


def clamp(value: Decimal, low: Decimal = -ONE, high: Decimal = ONE) -> Decimal:
    return max(low, min(high, value))


@dataclass
class Kpi:
    """One number the business steers by, with its target and the previous period's value.

    ``gap`` = the shortfall from target over ``scale`` (|target| unless given), from 0 (at or
    past target) to 1; ``direction`` = the relative change against the previous period, signed
    so that better is positive, reaching +-1 at a 10 % move.
    """

    key: str
    label: str
    kind: str  # money, share, ratio, int, days, score
    better: str  # "higher" or "lower"
    value: Decimal | None
    target: Decimal | None = None
    target_source: str = ""
    previous: Decimal | None = None
    scale: Decimal | None = None

    @property
    def gap(self) -> Decimal | None:
        if self.value is None or self.target is None:
            return None
        short = self.target - self.value if self.better == "higher" else self.value - self.target
        if short <= 0:
            return ZERO
        scale = self.scale if self.scale is not None else abs(self.target)
        return ONE if not scale else min(ONE, Decimal(short) / Decimal(scale))

    @property
    def reached(self) -> bool:
        return self.gap == ZERO

    @property
    def direction(self) -> Decimal | None:
        if self.value is None or self.previous is None or self.previous == 0:
            return None
        moved = (Decimal(self.value) - Decimal(self.previous)) / abs(Decimal(self.previous))
        if self.better == "lower":
            moved = -moved
        return clamp(moved / DIRECTION_SATURATION)

    def shown(self, value=None) -> str:
        return fmt.as_kind(self.value if value is None else value, self.kind)

    @property
    def target_text(self) -> str:
        if self.target is None:
            return "no target"
        word = "at least" if self.better == "higher" else "at most"
        return f"{word} {fmt.as_kind(self.target, self.kind)}"

    @property
    def signal_30d(self) -> str:
        """Halfway from today's value to the target: what 30 days of the right work should show."""
        if self.value is None or self.target is None:
            return ""
        if self.reached:
            return f"{self.label} stays {self.target_text}."
        halfway = self.value + (self.target - self.value) / 2
        word = "at least" if self.better == "higher" else "at most"
        shown = fmt.as_kind(halfway, self.kind)
        return f"{self.label} {word} {shown} (halfway from {self.shown()} to the target)."

    def as_dict(self) -> dict:
        def text(value):
            return None if value is None else str(value)

        return {
            "key": self.key,
            "label": self.label,
            "kind": self.kind,
            "better": self.better,
            "value": text(self.value),
            "shown": self.shown(),
            "target": text(self.target),
            "target_text": self.target_text,
            "target_source": self.target_source,
            "previous": text(self.previous),
            "gap": text(None if self.gap is None else self.gap.quantize(Decimal("0.0001"))),
            "direction": text(None if self.direction is None else self.direction.quantize(Decimal("0.0001"))),
        }


@dataclass
class Evidence:
    """Rows (already written for people) and a link into the admin where they come from."""

    label: str
    url: str = ""
    rows: list[dict] = field(default_factory=list)


@dataclass
class Finding:
    key: str
    severity: str  # "high", "medium", "low"
    message: str
    evidence: list[Evidence] = field(default_factory=list)
    kpi: str = ""

    def as_dict(self) -> dict:
        return {
            "key": self.key,
            "severity": self.severity,
            "message": self.message,
            "kpi": self.kpi,
            "evidence": [
                {
                    "label": e.label,
                    "url": e.url,
                    "columns": list(e.rows[0]) if e.rows else [],
                    "rows": [[row.get(c, "") for c in e.rows[0]] for row in e.rows] if e.rows else [],
                }
                for e in self.evidence
            ],
        }


def pairs(mapping: dict) -> list[list]:
    """A dict as [key, value] pairs: JSON columns (PostgreSQL's jsonb) keep no key order, a list does."""
    return [[key, value] for key, value in mapping.items()]


@dataclass
class AnalyzerResult:
    name: str
    title: str
    owner: str
    score: int | None
    formula: str
    inputs: dict[str, str] = field(default_factory=dict)
    kpis: list[Kpi] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    note: str = ""  # why the score is None

    @property
    def kpi(self) -> Kpi | None:
        return self.kpis[0] if self.kpis else None

    @property
    def target(self) -> str:
        return self.kpi.target_text if self.kpi else ""

    @property
    def signal_30d(self) -> str:
        return self.kpi.signal_30d if self.kpi else ""

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "title": self.title,
            "owner": self.owner,
            "score": self.score,
            "formula": self.formula,
            "inputs": pairs(self.inputs),
            "note": self.note,
            "kpi": self.kpi.key if self.kpi else "",
            "target": self.target,
            "signal_30d": self.signal_30d,
            "kpis": [kpi.as_dict() for kpi in self.kpis],
            "findings": [finding.as_dict() for finding in self.findings],
        }


def owner(name: str) -> str:
    """The username that owns an analyzer's area (``AUDIT_OWNERS``)."""
    return settings.AUDIT_OWNERS.get(name, "")


def configured_target(key: str) -> Decimal | None:
    raw = settings.AUDIT_TARGETS.get(key)
    if raw in (None, ""):
        return None
    try:
        return numbers.decimal(raw)
    except ValueError:
        raise ValueError(f"AUDIT_TARGETS[{key!r}] must be a number, got {raw!r}") from None


def target_for(key: str, fallback: Decimal | None, fallback_source: str) -> tuple[Decimal | None, str]:
    """The target set in ``AUDIT_TARGETS`` when there is one, else the analyzer's own rule."""
    configured = configured_target(key)
    if configured is not None:
        return configured, "AUDIT_TARGETS"
    return fallback, (fallback_source if fallback is not None else "")


def kpi_score(kpis: list[Kpi]) -> tuple[int | None, str, dict[str, str]]:
    """score = 100 x (1 - mean gap) over the KPIs that have a value and a target."""
    gaps = {kpi.key: kpi.gap for kpi in kpis if kpi.gap is not None}
    formula = "100 x (1 - mean gap); gap = shortfall from target / |target|, 0 to 1"
    if not gaps:
        return None, formula, {}
    mean = sum(gaps.values(), ZERO) / len(gaps)
    score = int((100 * (ONE - mean)).quantize(ONE, rounding=ROUND_HALF_UP))
    return score, formula, {f"gap {key}": fmt.share(gap) for key, gap in gaps.items()}


def checks_score(checks: dict[str, bool]) -> tuple[int | None, str, dict[str, str]]:
    """score = 100 x checks passed / checks run."""
    formula = "100 x checks passed / checks run"
    if not checks:
        return None, formula, {}
    passed = sum(1 for ok in checks.values() if ok)
    score = int((Decimal(100) * passed / len(checks)).quantize(ONE, rounding=ROUND_HALF_UP))
    return score, formula, {name: "passed" if ok else "failed" for name, ok in checks.items()}


def ratio(numerator, denominator) -> Decimal | None:
    if numerator is None or denominator in (None, 0):
        return None
    return Decimal(numerator) / Decimal(denominator)
