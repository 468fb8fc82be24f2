"""``/health/``: is this instance able to serve? For load balancers and uptime checks.

Answers 200 or 503 with one line per dependency and nothing else: no
versions, hosts or errors that could help an attacker.
"""

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def _database() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone()[0] == 1
    except DatabaseError:
        return False


# Load balancers probe every few seconds from several places: a write per hit
# would be a steady stream of cache writes (rows and their culling with the
# database cache). So every hit reads the probe key and only a missing one is
# written, at most once per CACHE_PROBE_SECONDS across all processes; a cache
# that stops taking writes still shows as failing within that time.
CACHE_PROBE_KEY = "bizops:health"
CACHE_PROBE_SECONDS = 60


def _cache() -> bool:
    try:
        if cache.get(CACHE_PROBE_KEY) == "ok":
            return True
        cache.set(CACHE_PROBE_KEY, "ok", CACHE_PROBE_SECONDS)
        return cache.get(CACHE_PROBE_KEY) == "ok"
    except Exception:  # any backend failure means "not working"; the reason is not shown
        return False


def _broker() -> bool | None:
    if not settings.REDIS_URL:
        return None  # eager mode: no broker to reach
    import redis

    try:
        return bool(redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


@never_cache
@require_GET
def health(request):
    checks = {"database": _database(), "cache": _cache(), "broker": _broker()}
    ok = all(value is not False for value in checks.values())
    body = {
        "status": "ok" if ok else "unavailable",
        "checks": {k: ("skipped" if v is None else "ok" if v else "failing") for k, v in checks.items()},
    }
    return JsonResponse(body, status=200 if ok else 503)
