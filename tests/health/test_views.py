from datetime import UTC, datetime

import pytest
import time_machine
from django.core.cache import cache
from django.core.management import call_command
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext

from health import views

pytestmark = pytest.mark.django_db


def test_health_answers_ok_with_its_checks(client):
    response = client.get("/health/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["cache"] == "ok"


def test_health_answers_503_when_the_database_fails(client, monkeypatch):
    def broken():
        raise DatabaseError("down")

    monkeypatch.setattr(views.connection, "cursor", broken)
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "failing"
    assert "down" not in response.content.decode()


@pytest.fixture
def database_cache(settings):
    """The database cache (production's without REDIS_URL), whose writes are SQL we can count."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "bizops_cache"}
    }
    call_command("createcachetable", verbosity=0)


WRITES = {"INSERT", "UPDATE", "DELETE"}


def cache_table_writes(queries) -> int:
    return sum(
        1
        for query in queries
        if "bizops_cache" in query["sql"] and query["sql"].split(None, 1)[0].upper() in WRITES
    )


def test_repeated_health_checks_write_to_the_cache_at_most_once(client, database_cache):
    with CaptureQueriesContext(connection) as queries:
        for _ in range(20):
            assert client.get("/health/").json()["checks"]["cache"] == "ok"
    assert cache_table_writes(queries) == 1


def test_the_cache_probe_is_written_again_once_it_expires(client, database_cache):
    with time_machine.travel(datetime(2026, 3, 2, 12, 0, tzinfo=UTC), tick=False) as traveller:
        client.get("/health/")
        traveller.shift(views.CACHE_PROBE_SECONDS + 1)
        assert cache.get(views.CACHE_PROBE_KEY) is None
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/health/").json()["checks"]["cache"] == "ok"
        assert cache_table_writes(queries) >= 1
        assert cache.get(views.CACHE_PROBE_KEY) == "ok"


def test_health_answers_503_when_the_cache_fails(client, settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "no_such_table"}
    }
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json()["checks"]["cache"] == "failing"
