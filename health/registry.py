"""What the health machinery watches, told by each app in its own ``health.py``.

Apps register their scheduled jobs (how often each must succeed) and their
checks at start-up; health reads only this registry, so it never imports a
domain app (see ARCHITECTURE.md, "Layers").

    # etl/health.py
    from datetime import timedelta
    from health.registry import register_job

    register_job("etl.pull_meta", every=timedelta(days=1), description="Meta ads, nightly")
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from django.utils.module_loading import autodiscover_modules


class Severity(StrEnum):
    OK = "ok"
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True)
class Finding:
    check: str
    severity: Severity
    message: str
    fix: str = ""


@dataclass(frozen=True)
class JobSpec:
    name: str
    every: timedelta
    description: str = ""
    # How late a success may be before the job counts as overdue.
    grace: timedelta = timedelta(hours=2)


_jobs: dict[str, JobSpec] = {}
_checks: dict[str, Callable[[], list[Finding]]] = {}


def register_job(
    name: str, *, every: timedelta, description: str = "", grace: timedelta | None = None
) -> None:
    _jobs[name] = JobSpec(name, every, description, grace if grace is not None else timedelta(hours=2))


def register_check(name: str):
    """Decorator: ``fn() -> list[Finding]`` runs in every sweep."""

    def decorate(fn: Callable[[], list[Finding]]):
        _checks[name] = fn
        return fn

    return decorate


def jobs() -> list[JobSpec]:
    return sorted(_jobs.values(), key=lambda spec: spec.name)


def checks() -> dict[str, Callable[[], list[Finding]]]:
    return dict(sorted(_checks.items()))


def autodiscover() -> None:
    autodiscover_modules("health")
