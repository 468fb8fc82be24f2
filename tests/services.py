"""Reaching the real services tests need, or skipping loudly.

A test that needs PostgreSQL, Redis or Chromium is skipped with the reason
when the service is not there, and fails instead when REQUIRE_SERVICES=1
(set by .ci/run), so CI always runs it.
"""

import os
import shutil

import pytest


def services_required() -> bool:
    return os.environ.get("REQUIRE_SERVICES", "") in ("1", "true", "yes")


def missing(reason: str):
    if services_required():
        pytest.fail(f"REQUIRE_SERVICES=1 but {reason}", pytrace=False)
    pytest.skip(f"SKIPPED, service missing: {reason}")


def require_postgres(connection) -> None:
    if connection.vendor != "postgresql":
        missing("the database is not PostgreSQL (set DATABASE_URL=postgres://...)")


def redis_url() -> str:
    url = os.environ.get("REDIS_URL", "")
    if not url:
        missing("REDIS_URL is not set")
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        missing(f"Redis at REDIS_URL is unreachable ({type(exc).__name__})")
    return url


def chromium_path() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    missing("no Chromium executable on PATH (apt install chromium)")
    return ""
