"""An expiring lock per job, so two runs of one job never overlap.

Backends, in order of preference:
- Redis (``REDIS_URL`` set): ``SET key token NX PX ttl``, released by a
  compare-and-delete script so a run never frees a lock it no longer holds;
- PostgreSQL: a session advisory lock, released at the end or when the
  connection dies (no expiry needed);
- otherwise Django's cache (the database cache by default): ``cache.add``.
"""

import hashlib
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.core.cache import cache
from django.db import connection

_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""
# A fixed first key, so our advisory locks cannot collide with another user's.
_ADVISORY_NAMESPACE = 0x6A6F62  # "job"


def _key(name: str) -> str:
    return f"{settings.JOB_LOCK_PREFIX}:joblock:{name}"


def default_ttl() -> int:
    """Seconds a lock lives: longer than the longest a task may run."""
    return settings.CELERY_TASK_TIME_LIMIT + 60


@contextmanager
def job_lock(name: str, ttl: int | None = None) -> Iterator[bool]:
    """Hold the lock for ``name`` while the block runs; yields False if it is taken."""
    ttl = ttl or default_ttl()
    if settings.REDIS_URL:
        lock = _redis_lock
    elif connection.vendor == "postgresql":
        lock = _advisory_lock
    else:
        lock = _cache_lock
    with lock(name, ttl) as acquired:
        yield acquired


@contextmanager
def _redis_lock(name: str, ttl: int) -> Iterator[bool]:
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL)
    token = uuid.uuid4().hex
    acquired = bool(client.set(_key(name), token, nx=True, px=ttl * 1000))
    try:
        yield acquired
    finally:
        if acquired:
            client.eval(_RELEASE, 1, _key(name), token)
        client.close()


def advisory_key(name: str) -> int:
    digest = hashlib.blake2b(_key(name).encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big", signed=True)


@contextmanager
def _advisory_lock(name: str, ttl: int) -> Iterator[bool]:
    key = advisory_key(name)
    # PostgreSQL grants a session a lock it already holds (they stack), so a
    # nested run in this same connection is refused here.
    held = connection.__dict__.setdefault("_bizops_advisory_locks", set())
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
def _cache_lock(name: str, ttl: int) -> Iterator[bool]:
    token = uuid.uuid4().hex
    acquired = cache.add(_key(name), token, ttl)
    try:
        yield acquired
    finally:
        if acquired and cache.get(_key(name)) == token:
            cache.delete(_key(name))
