"""The checks behind ``/health/`` (django-health-check), each named and marked critical or not.

Critical (a failure answers 503, so a load balancer takes the instance out):
database, cache, migrations, and with a broker (``REDIS_URL``) Redis and a
Celery worker answering a ping. Warnings only (shown in the detailed view,
never failing a probe): beat's heartbeat (the newest beat entry's last run
within ``HEALTH_BEAT_MAX_SILENCE``) and data sources that are late or stale.

Database work runs on the request's own thread (``thread_sensitive``), so it
uses the request's connection like any view.
"""

import dataclasses
import datetime
from functools import lru_cache
from typing import ClassVar

from asgiref.sync import sync_to_async
from celery import Celery
from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Max
from django.utils import timezone
from django_celery_beat.models import PeriodicTask
from health_check.base import HealthCheck
from health_check.contrib.celery import Ping
from health_check.exceptions import ServiceUnavailable, ServiceWarning

from health.watch import judge_sources

# Load balancers probe every few seconds from several places: a write per hit
# would be a steady stream of cache writes (rows and their culling with the
# database cache). So every hit reads the probe key and only a missing one is
# written, at most once per CACHE_PROBE_SECONDS across all processes; a cache
# that stops taking writes still shows as failing within that time.
CACHE_PROBE_KEY = "bizops:health"
CACHE_PROBE_SECONDS = 60


@dataclasses.dataclass(repr=False)
class Probe(HealthCheck):
    name: ClassVar[str] = ""
    critical: ClassVar[bool] = True
    timeout = datetime.timedelta(seconds=3)

    def __repr__(self) -> str:
        return f"{self.name} ({'critical' if self.critical else 'warning only'})"

    async def run(self) -> None:
        await sync_to_async(self.probe, thread_sensitive=True)()

    def probe(self) -> None:
        raise NotImplementedError


class Database(Probe):
    name = "database"

    def probe(self) -> None:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
                ok = cursor.fetchone()[0] == 1
        except DatabaseError as exc:
            raise ServiceUnavailable("the database does not answer") from exc
        if not ok:
            raise ServiceUnavailable("the database answered wrongly")


class Cache(Probe):
    name = "cache"

    def probe(self) -> None:
        try:
            if cache.get(CACHE_PROBE_KEY) == "ok":
                return
            cache.set(CACHE_PROBE_KEY, "ok", CACHE_PROBE_SECONDS)
            ok = cache.get(CACHE_PROBE_KEY) == "ok"
        except Exception as exc:  # any backend failure means "not working"; the reason is not shown
            raise ServiceUnavailable("the cache does not answer") from exc
        if not ok:
            raise ServiceUnavailable("the cache does not keep what it is given")


class Migrations(Probe):
    name = "migrations"
    # Once all are applied they stay applied for this process (new ones come with a
    # restart), so the migration graph is read until then, not on every probe.
    all_applied: ClassVar[bool] = False

    def probe(self) -> None:
        if Migrations.all_applied:
            return
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if plan:
            raise ServiceUnavailable(f"{len(plan):,} migration(s) not applied: run manage.py migrate")
        Migrations.all_applied = True


class Redis(Probe):
    name = "redis"

    async def run(self) -> None:
        await sync_to_async(self.probe, thread_sensitive=False)()

    def probe(self) -> None:
        import redis

        try:
            client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
            client.ping()
            client.close()
        except redis.RedisError as exc:
            raise ServiceUnavailable("Redis does not answer") from exc


@lru_cache(maxsize=4)
def control_app(url: str) -> Celery:
    """A client of the broker at ``url`` for pings (the project's app, re-pointed)."""
    # Not the current app: the process's tasks keep being sent by the project's own app.
    app = Celery("bizops-health", broker=url, backend=url, set_as_current=False)
    app.conf.update(
        task_default_queue=getattr(settings, "CELERY_TASK_DEFAULT_QUEUE", "celery"),
        broker_connection_retry_on_startup=False,
        broker_connection_max_retries=0,
    )
    return app


@dataclasses.dataclass(repr=False)
class CeleryWorker(Ping):
    """A worker answers ``ping`` and consumes the default queue (django-health-check's Ping)."""

    name: ClassVar[str] = "celery worker"
    critical: ClassVar[bool] = True

    def __repr__(self) -> str:
        return f"{self.name} (critical)"

    def run(self):
        try:
            super().run()
        except ServiceUnavailable:
            raise
        except Exception as exc:  # the broker itself is gone: no worker can answer
            raise ServiceUnavailable("no worker can be reached (the broker does not answer)") from exc


class BeatHeartbeat(Probe):
    name = "beat"
    critical = False

    def probe(self) -> None:
        last = PeriodicTask.objects.filter(enabled=True).aggregate(at=Max("last_run_at"))["at"]
        if last is None:
            raise ServiceWarning("beat has not run any entry yet")
        silence = timezone.now() - last
        if silence.total_seconds() > settings.HEALTH_BEAT_MAX_SILENCE:
            minutes = silence.total_seconds() / 60
            raise ServiceWarning(f"beat's last tick was {minutes:,.0f} min ago")


class Sources(Probe):
    name = "data sources"
    critical = False

    def probe(self) -> None:
        behind = [f"{s.spec.label} {s.state}" for s in judge_sources(timezone.now()) if s.state != "fresh"]
        if behind:
            raise ServiceWarning(", ".join(behind))


def probes(*, detailed: bool) -> list[Probe]:
    """The checks of a probe: the critical ones, and with ``detailed`` the warnings too."""
    found: list = [Database(), Cache(), Migrations()]
    if settings.REDIS_URL:
        # limit=1: answer as soon as one worker replies (a probe waits the full second only when none does).
        found += [Redis(), CeleryWorker(app=control_app(settings.REDIS_URL), limit=1)]
    if detailed:
        found += [BeatHeartbeat(), Sources()] if settings.REDIS_URL else [Sources()]
    return found


def skipped() -> list[str]:
    """Checks left out because there is no broker (eager mode)."""
    return [] if settings.REDIS_URL else [Redis.name, CeleryWorker.name]
