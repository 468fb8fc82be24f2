"""What the health machinery watches, told by each app in its own ``health.py``.

Apps register their scheduled jobs, their data sources, their checks (each in
one of the six families) and the cross-app promises they keep, at start-up;
health reads only this registry, so it never imports a domain app (see
ARCHITECTURE.md, "Layers").

    # etl/health.py
    from datetime import timedelta
    from health.registry import register_job, register_source

    register_job("etl.pull_meta", every=timedelta(days=1), description="Meta ads, by the nightly chord")
    register_source("meta", label="Meta ads", newest=newest_meta_day, last_load=..., lag=timedelta(days=1))

A job with a django-celery-beat entry (a ``PeriodicTask`` whose task is the
job's name) is expected on that entry's schedule; ``every=`` is used only for
jobs that beat does not run (CI, by hand).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from django.utils.module_loading import autodiscover_modules


class Severity(StrEnum):
    OK = "ok"
    WARNING = "warning"
    ERROR = "error"

    @property
    def weight(self) -> int:
        """For ranking fixes: severity x reach (an error weighs three warnings)."""
        return {"ok": 0, "warning": 1, "error": 3}[self.value]


class Family(StrEnum):
    FEEDBACK = "feedback", "Feedback loops"
    SECOND_ORDER = "second_order", "Second-order effects"
    ALIGNMENT = "alignment", "Socio-technical alignment"
    CONSTRAINTS = "constraints", "Constraints"
    RESILIENCE = "resilience", "Resilience"
    COORDINATION = "coordination", "Multi-job coordination"

    def __new__(cls, value: str, label: str = ""):
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member


class Problem(StrEnum):
    """What kind of open problem a finding is, for the entropy delta (``health.scores``)."""

    JOB = "job"  # a failing, late or stuck job
    SOURCE = "source"  # a stale data source
    FLAG = "flag"  # a stale flag
    TICKET = "ticket"  # an overdue P0/P1 ticket
    EXPERIMENT = "experiment"  # running past its end, or with a sample ratio mismatch
    OTHER = "other"


@dataclass(frozen=True)
class Finding:
    """One thing to fix. ``key`` is stable across sweeps: the backlog ticket is keyed by it."""

    check: str
    severity: Severity
    message: str
    fix: str = ""
    family: Family = Family.RESILIENCE
    key: str = ""  # defaults to ``check``
    owner: str = ""  # a username, or the area's group ("group:etl")
    evidence: tuple[tuple[str, str], ...] = ()  # (label, admin URL) rows
    reach: int = 1  # how many objects or runs it touches
    kpi: str = ""  # the number the fix should move
    signal_30d: str = ""  # what should be seen within 30 days if the fix works
    problem: Problem = Problem.OTHER

    @property
    def ident(self) -> str:
        return self.key or self.check

    @property
    def rank(self) -> int:
        return Severity(self.severity).weight * max(1, self.reach)


@dataclass(frozen=True)
class JobSpec:
    name: str
    # Only for a job beat does not run (CI, by hand, a chord): how often it must run.
    every: timedelta | None = None
    description: str = ""
    # How late a run may start before it counts as missed (late until then).
    grace: timedelta = timedelta(hours=2)
    # A run still "running" after this long is stuck (None: CELERY_TASK_TIME_LIMIT).
    max_runtime: timedelta | None = None
    # Failures in a row that make the job "down".
    failures: int = 3
    # The area that answers for it (its group), for findings' owners.
    area: str = ""
    # An event emitted as each of its runs ends, with the run's outcome (e.g. "etl.run_finished").
    finish_event: str = ""


@dataclass(frozen=True)
class SourceSpec:
    """A data source: how new its data is and when it last loaded, against an expected lag.

    ``newest()`` gives the newest data date (a ``date``: the data covers that whole
    day in the reporting time zone) or moment; ``last_load()`` the end of the last
    successful load. Fresh when both are within ``lag``, late within ``lag + grace``,
    stale beyond (or never loaded).
    """

    name: str
    label: str
    newest: Callable[[], date | datetime | None]
    last_load: Callable[[], datetime | None] | None  # None: not loaded by a job (typed in)
    lag: timedelta
    grace: timedelta
    area: str = ""
    admin_url: str = ""


@dataclass(frozen=True)
class CheckSpec:
    name: str
    family: Family
    fn: Callable[[], list[Finding]]


_jobs: dict[str, JobSpec] = {}
_checks: dict[str, Callable[[], list[Finding]]] = {}
_families: dict[str, Family] = {}
_sources: dict[str, SourceSpec] = {}
_promises: dict[str, Callable[[], tuple[int, int]]] = {}
_problems: dict[str, Callable[[], int]] = {}


def register_job(
    name: str,
    *,
    every: timedelta | None = None,
    description: str = "",
    grace: timedelta | None = None,
    max_runtime: timedelta | None = None,
    failures: int = 3,
    area: str = "",
    finish_event: str = "",
) -> None:
    _jobs[name] = JobSpec(
        name,
        every,
        description,
        grace if grace is not None else timedelta(hours=2),
        max_runtime,
        failures,
        area or name.split(".", 1)[0],
        finish_event,
    )


def register_source(
    name: str,
    *,
    label: str,
    newest: Callable[[], date | datetime | None],
    last_load: Callable[[], datetime | None] | None,
    lag: timedelta,
    grace: timedelta | None = None,
    area: str = "",
    admin_url: str = "",
) -> None:
    _sources[name] = SourceSpec(name, label, newest, last_load, lag, grace or lag / 2, area, admin_url)


def register_check(name: str, family: Family = Family.RESILIENCE):
    """Decorator: ``fn() -> list[Finding]`` runs in every sweep, in ``family``."""

    def decorate(fn: Callable[[], list[Finding]]):
        _checks[name] = fn
        _families[name] = family
        return fn

    return decorate


def register_promise(name: str):
    """Decorator: ``fn() -> (kept, total)``, a cross-app promise for the coherence score."""

    def decorate(fn: Callable[[], tuple[int, int]]):
        _promises[name] = fn
        return fn

    return decorate


def register_problem_count(name: str):
    """Decorator: ``fn() -> int``, open problems of one kind for the entropy delta."""

    def decorate(fn: Callable[[], int]):
        _problems[name] = fn
        return fn

    return decorate


def job(name: str) -> JobSpec | None:
    return _jobs.get(name)


def jobs() -> list[JobSpec]:
    return sorted(_jobs.values(), key=lambda spec: spec.name)


def sources() -> list[SourceSpec]:
    return sorted(_sources.values(), key=lambda spec: spec.name)


def checks() -> dict[str, Callable[[], list[Finding]]]:
    return dict(sorted(_checks.items()))


def check_specs() -> list[CheckSpec]:
    return [CheckSpec(name, _families.get(name, Family.RESILIENCE), fn) for name, fn in checks().items()]


def promises() -> dict[str, Callable[[], tuple[int, int]]]:
    return dict(sorted(_promises.items()))


def problem_counts() -> dict[str, Callable[[], int]]:
    return dict(sorted(_problems.items()))


def autodiscover() -> None:
    autodiscover_modules("health")
