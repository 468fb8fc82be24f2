"""The job lock on each backend: Redis, PostgreSQL advisory locks, the database cache."""

import time

import pytest
from django.db import connection

from health import locks
from tests.services import redis_url, require_postgres


def assert_exclusive(name: str) -> None:
    with locks.job_lock(name, ttl=30) as first:
        assert first is True
        with locks.job_lock(name, ttl=30) as second:
            assert second is False
        with locks.job_lock(f"{name}.other", ttl=30) as unrelated:
            assert unrelated is True
    with locks.job_lock(name, ttl=30) as again:
        assert again is True


@pytest.mark.redis
def test_the_redis_lock_is_exclusive_and_released(settings):
    settings.REDIS_URL = redis_url()
    assert_exclusive("tests.redis")


@pytest.mark.redis
def test_the_redis_lock_expires_so_a_crashed_holder_does_not_block_forever(settings):
    import redis

    settings.REDIS_URL = redis_url()
    client = redis.Redis.from_url(settings.REDIS_URL)
    with locks.job_lock("tests.expiry", ttl=30):
        ttl_ms = client.pttl(locks._key("tests.expiry"))
    assert 0 < ttl_ms <= 30_000


@pytest.mark.redis
def test_the_redis_lock_is_not_freed_by_a_run_that_lost_it(settings):
    import redis

    settings.REDIS_URL = redis_url()
    client = redis.Redis.from_url(settings.REDIS_URL)
    with locks.job_lock("tests.lost", ttl=30):
        # The lock expired and another run took it: our release must not free theirs.
        client.set(locks._key("tests.lost"), "someone-else")
    assert client.get(locks._key("tests.lost")) == b"someone-else"
    client.delete(locks._key("tests.lost"))


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_postgres_advisory_lock_is_exclusive_across_connections(settings):
    require_postgres(connection)
    settings.REDIS_URL = ""
    import psycopg

    with locks.job_lock("tests.advisory") as acquired:
        assert acquired
        # A second, independent session (another process in real life) is refused.
        params = connection.get_connection_params()
        params.pop("cursor_factory", None)
        other = psycopg.connect(**params)
        key = locks.advisory_key("tests.advisory")
        refused = other.execute("SELECT pg_try_advisory_lock(%s, %s)", [locks._ADVISORY_NAMESPACE, key])
        assert refused.fetchone()[0] is False
        other.close()
    assert_exclusive("tests.advisory2")


@pytest.mark.django_db
def test_the_cache_lock_is_used_without_redis_or_postgres(settings, monkeypatch):
    settings.REDIS_URL = ""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "bizops_cache"}
    }
    from django.core.management import call_command

    call_command("createcachetable", verbosity=0)
    monkeypatch.setattr(connection, "vendor", "sqlite")
    used = []
    original = locks._cache_lock
    monkeypatch.setattr(locks, "_cache_lock", lambda name, ttl: used.append(name) or original(name, ttl))
    assert_exclusive("tests.cache")
    assert "tests.cache" in used


def assert_the_heartbeat_keeps_the_lock_past_its_ttl(name: str, settings, ttl: float) -> None:
    settings.JOB_LOCK_TTL, settings.JOB_LOCK_HEARTBEAT = ttl, ttl / 5
    with locks.job_lock(name) as acquired:
        assert acquired
        # Three TTLs go by: without renewal the lock would have lapsed twice over.
        deadline = time.monotonic() + 3 * settings.JOB_LOCK_TTL
        while time.monotonic() < deadline:
            assert locks.is_held(name)
            with locks.job_lock(name) as second:
                assert second is False
            time.sleep(0.05)
    assert not locks.is_held(name)


@pytest.mark.redis
def test_the_heartbeat_keeps_a_long_jobs_redis_lock_past_its_ttl(settings):
    settings.REDIS_URL = redis_url()
    assert_the_heartbeat_keeps_the_lock_past_its_ttl("tests.heartbeat", settings, ttl=0.6)


def test_the_heartbeat_keeps_a_long_jobs_cache_lock_past_its_ttl(transactional_db, settings, monkeypatch):
    settings.REDIS_URL = ""
    monkeypatch.setattr(connection, "vendor", "sqlite")
    # The database cache keeps expiry times to the second: a TTL of a few seconds.
    assert_the_heartbeat_keeps_the_lock_past_its_ttl("tests.heartbeat_cache", settings, ttl=2)


def test_an_unrenewed_cache_lock_lapses_after_its_ttl(transactional_db, settings, monkeypatch):
    settings.REDIS_URL = ""
    monkeypatch.setattr(connection, "vendor", "sqlite")
    from django.core.cache import cache

    # A holder that was killed: its entry is there, nobody renews it.
    cache.add(locks._key("tests.lapse"), "dead-holder", 1)
    assert locks.is_held("tests.lapse")
    deadline = time.monotonic() + 10
    while locks.is_held("tests.lapse"):
        assert time.monotonic() < deadline, "the lock never lapsed"
        time.sleep(0.05)
    with locks.job_lock("tests.lapse") as acquired:
        assert acquired


def test_a_heartbeat_not_below_the_ttl_stops_start_up_in_one_line():
    from tests.bizops.test_settings import PRODUCTION_ENV, manage

    result = manage("check", env={**PRODUCTION_ENV, "JOB_LOCK_TTL": "20", "JOB_LOCK_HEARTBEAT": "20"})
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        "bizops: configuration error: JOB_LOCK_HEARTBEAT=20 must be above 0 and below JOB_LOCK_TTL=20 "
        "[health.E002]"
    ]


@pytest.fixture
def on_postgres(transactional_db):
    require_postgres(connection)  # before database_cache_lock makes the connection look like SQLite


@pytest.fixture
def database_cache_lock(settings, monkeypatch):
    """The cache fallback on the database cache, whatever the suite's database and cache."""
    from django.core.management import call_command

    settings.REDIS_URL = ""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "bizops_cache"}
    }
    call_command("createcachetable", verbosity=0)
    monkeypatch.setattr(connection, "vendor", "sqlite")
    from django.core.cache import cache

    return cache


def test_a_cache_lock_taken_over_by_another_run_is_not_freed_by_the_first(
    transactional_db, database_cache_lock
):
    cache = database_cache_lock
    with locks.job_lock("tests.taken_over", ttl=30) as acquired:
        assert acquired
        # Our entry lapsed and another run took it (cache.add rewrites a lapsed entry).
        cache.set(locks._key("tests.taken_over"), "new-holder", 30)
    assert cache.get(locks._key("tests.taken_over")) == "new-holder"


@pytest.mark.postgres
def test_a_cache_lock_release_racing_a_new_holder_never_deletes_its_lock(
    on_postgres, database_cache_lock, settings
):
    """The new holder rewrites the entry while the old one releases: on PostgreSQL the release
    waits for that row, then must compare the new value, not delete whatever is there."""
    import base64
    import pickle
    import threading

    import psycopg

    cache = database_cache_lock
    settings.JOB_LOCK_HEARTBEAT = 600  # no renewal during the test: only the release touches the row
    name = "tests.release_race"
    stored_key = cache.make_and_validate_key(locks._key(name))
    new_value = base64.b64encode(pickle.dumps("new-holder", cache.pickle_protocol)).decode()
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    new_holder, watcher = psycopg.connect(**params), psycopg.connect(**params, autocommit=True)

    def commit_once_the_release_waits() -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            waiting = watcher.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND wait_event_type = 'Lock' AND query ILIKE 'DELETE FROM%bizops_cache%'"
            ).fetchone()[0]
            if waiting:
                break
            time.sleep(0.01)
        new_holder.commit()

    try:
        with locks.job_lock(name, ttl=3600) as acquired:
            assert acquired
            # The new holder's write, not yet committed: it holds the row.
            new_holder.execute(
                "UPDATE bizops_cache SET value = %s WHERE cache_key = %s", [new_value, stored_key]
            )
            committer = threading.Thread(target=commit_once_the_release_waits)
            committer.start()
        committer.join()
        assert cache.get(locks._key(name)) == "new-holder"
    finally:
        new_holder.close()
        watcher.close()
        cache.delete(locks._key(name))
