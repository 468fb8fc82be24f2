"""A lock per job that lives only as long as its holder, so two runs of one job
never overlap and a killed run does not block the next one for long.

Backends, in order of preference:
- Redis (``REDIS_URL`` set): redis-py's ``Lock`` (a token checked on release
  and on renewal), with a short TTL (``JOB_LOCK_TTL``) that a heartbeat thread
  renews every ``JOB_LOCK_HEARTBEAT`` seconds while the job runs: a killed
  process stops renewing and its lock lapses within the TTL;
- PostgreSQL: a session advisory lock, freed by the server when the holder
  releases it or its connection dies (no expiry needed);
- otherwise Django's cache (the database cache by default): ``cache.add``
  with the same short expiry, renewed by the heartbeat; renewal and release
  compare the holder's token and act in one statement (see below).
"""

import base64
import hashlib
import logging
import pickle
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches
from django.core.cache.backends.db import DatabaseCache
from django.db import connection, connections, router
from django.utils import timezone

logger = logging.getLogger(__name__)

# A fixed first key, so our advisory locks cannot collide with another user's.
_ADVISORY_NAMESPACE = 0x6A6F62  # "job"


def _key(name: str) -> str:
    return f"{settings.JOB_LOCK_PREFIX}:joblock:{name}"


def _backend() -> str:
    if settings.REDIS_URL:
        return "redis"
    return "postgres" if connection.vendor == "postgresql" else "cache"


@contextmanager
def job_lock(name: str, ttl: float | None = None) -> Iterator[bool]:
    """Hold the lock for ``name`` while the block runs; yields False if it is taken.

    ``ttl`` (seconds, default ``JOB_LOCK_TTL``) is how long the lock outlives a
    holder that stopped renewing it; the holder renews it every
    ``JOB_LOCK_HEARTBEAT`` seconds (at most a third of the TTL).
    """
    ttl = ttl or settings.JOB_LOCK_TTL
    lock = {"redis": _redis_lock, "postgres": _advisory_lock, "cache": _cache_lock}[_backend()]
    with lock(name, ttl) as acquired:
        yield acquired


def is_held(name: str) -> bool:
    """Whether some live holder has the lock for ``name`` (read only, takes nothing)."""
    backend = _backend()
    if backend == "redis":
        return bool(_redis_client().exists(_key(name)))
    if backend == "postgres":
        if advisory_key(name) in _held_here():
            return True
        # Reading pg_locks rather than trying the lock: a peek must never refuse a real run.
        classid, objid = _ADVISORY_NAMESPACE, advisory_key(name) & 0xFFFFFFFF
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted"
                " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
                " AND classid = %s AND objid = %s AND objsubid = 2)",
                [classid, objid],
            )
            return cursor.fetchone()[0]
    return cache.get(_key(name)) is not None


def force_release(name: str) -> bool:
    """Free ``name``'s lock whoever holds it: only for a holder known to be dead or stuck.

    The sweep calls it for a run still "running" past its job's max runtime. On
    PostgreSQL an advisory lock belongs to its session and is freed when that
    session ends; another session cannot free it, so this returns False there.
    """
    backend = _backend()
    if backend == "redis":
        return bool(_redis_client().delete(_key(name)))
    if backend == "cache":
        return bool(cache.delete(_key(name)))
    return False


class Heartbeat:
    """A daemon thread calling ``renew`` every ``interval`` seconds until stopped or lost.

    ``renew`` returns False when the lock is no longer ours (it lapsed and
    another run took it): renewing stops and a warning is logged.
    """

    def __init__(self, name: str, renew: Callable[[], bool], interval: float):
        self.name, self.renew, self.interval = name, renew, interval
        self.stopped = threading.Event()
        self.lost = False
        self.thread = threading.Thread(target=self._beat, name=f"joblock-heartbeat:{name}", daemon=True)

    def _beat(self) -> None:
        try:
            self._renew_until_stopped()
        finally:
            connections.close_all()  # this thread's own connections (the database cache)

    def _renew_until_stopped(self) -> None:
        while not self.stopped.wait(self.interval):
            try:
                if self.renew():
                    continue
            except Exception as exc:  # a broken connection: try again next beat
                logger.warning("job lock %s: renewal failed (%s); retrying", self.name, type(exc).__name__)
                continue
            self.lost = True
            logger.warning("job lock %s: lost before the run ended; another run may overlap it", self.name)
            return

    @contextmanager
    def running(self) -> Iterator["Heartbeat"]:
        self.thread.start()
        try:
            yield self
        finally:
            self.stopped.set()
            self.thread.join()


def heartbeat_interval(ttl: float) -> float:
    return min(settings.JOB_LOCK_HEARTBEAT, ttl / 3)


def _redis_client():
    import redis

    return redis.Redis.from_url(settings.REDIS_URL)


@contextmanager
def _redis_lock(name: str, ttl: float) -> Iterator[bool]:
    from redis.exceptions import LockError

    client = _redis_client()
    # thread_local=False: the heartbeat thread renews with this same token.
    lock = client.lock(_key(name), timeout=ttl, thread_local=False)
    try:
        if not lock.acquire(blocking=False):
            yield False
            return

        def renew() -> bool:
            try:
                return bool(lock.reacquire())
            except LockError:
                return False

        try:
            with Heartbeat(name, renew, heartbeat_interval(ttl)).running():
                yield True
        finally:
            try:
                lock.release()  # compare-and-delete: never frees a lock another run took
            except LockError:
                logger.warning("job lock %s: had lapsed before release", name)
    finally:
        client.close()


def advisory_key(name: str) -> int:
    digest = hashlib.blake2b(_key(name).encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big", signed=True)


def _held_here() -> set[int]:
    return connection.__dict__.setdefault("_bizops_advisory_locks", set())


@contextmanager
def _advisory_lock(name: str, ttl: float) -> Iterator[bool]:
    key = advisory_key(name)
    # PostgreSQL grants a session a lock it already holds (they stack), so a
    # nested run in this same connection is refused here.
    held = _held_here()
    if key in held:
        yield False
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [_ADVISORY_NAMESPACE, key])
        acquired = cursor.fetchone()[0]
    if acquired:
        held.add(key)
    try:
        yield acquired
    finally:
        if acquired:
            held.discard(key)
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [_ADVISORY_NAMESPACE, key])


@contextmanager
def _cache_lock(name: str, ttl: float) -> Iterator[bool]:
    key, token = _key(name), uuid.uuid4().hex
    if not cache.add(key, token, ttl):
        yield False
        return
    try:
        with Heartbeat(name, lambda: _renew_cache_entry(key, token, ttl), heartbeat_interval(ttl)).running():
            yield True
    finally:
        if not _release_cache_entry(key, token):
            logger.warning("job lock %s: had lapsed before release", name)


# Django's cache API has no compare-and-set: a get then a delete would free a
# lock that lapsed and was taken by another run between the two. On the
# database cache (the one the settings choose without REDIS_URL) a single
# statement compares and acts, ``... WHERE cache_key = %s AND value = <our
# token>``: atomic on PostgreSQL (a row another run is rewriting is waited for,
# then its new value is compared) and on SQLite (one writer at a time). Any
# other cache gets the get-then-act best effort.


def _database_cache() -> DatabaseCache | None:
    backend = caches[DEFAULT_CACHE_ALIAS]
    return backend if isinstance(backend, DatabaseCache) else None


def _compare_and(
    backend: DatabaseCache, action: str, key: str, token: str, *, values=(), alive_at=None
) -> int:
    """Run ``action`` ("DELETE FROM {table}", "UPDATE {table} SET {expires} = %s") on our entry only."""
    db = router.db_for_write(backend.cache_model_class)
    ops = connections[db].ops
    quote = ops.quote_name
    # The value as DatabaseCache stores it. Were that encoding to change, nothing
    # would match: the lock would lapse after its TTL, never free another run's.
    stored = base64.b64encode(pickle.dumps(token, backend.pickle_protocol)).decode("latin1")
    sql = (
        action.format(table=quote(backend._table), expires=quote("expires"))
        + f" WHERE {quote('cache_key')} = %s AND {quote('value')} = %s"
    )
    params = [*(ops.adapt_datetimefield_value(v) for v in values), backend.make_and_validate_key(key), stored]
    if alive_at is not None:
        sql += f" AND {quote('expires')} >= %s"
        params.append(ops.adapt_datetimefield_value(alive_at))
    with connections[db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _renew_cache_entry(key: str, token: str, ttl: float) -> bool:
    """Extend our entry while it is ours and alive; False once it lapsed or another run took it."""
    backend = _database_cache()
    if backend is None:
        return cache.get(key) == token and cache.touch(key, ttl)
    # The expiry as DatabaseCache writes it: to the second, UTC when USE_TZ.
    tz = UTC if settings.USE_TZ else None
    expires = datetime.fromtimestamp(backend.get_backend_timeout(ttl), tz=tz).replace(microsecond=0)
    renewed = _compare_and(
        backend, "UPDATE {table} SET {expires} = %s", key, token, values=[expires], alive_at=timezone.now()
    )
    return renewed == 1


def _release_cache_entry(key: str, token: str) -> bool:
    """Delete our entry if it is still ours; False if it was gone or another run's."""
    backend = _database_cache()
    if backend is None:
        if cache.get(key) != token:
            return False
        return cache.delete(key)
    return _compare_and(backend, "DELETE FROM {table}", key, token) == 1
