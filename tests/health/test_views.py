from datetime import UTC, datetime

import pytest
import time_machine
from django.core.cache import cache
from django.core.management import call_command
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext

from health import probes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _eager_mode(settings):
    """No broker: the Redis and worker checks are skipped here (tests/integration runs them for real)."""
    settings.REDIS_URL = ""


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

    monkeypatch.setattr(probes.connection, "cursor", broken)
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
    # Empty, whatever another process (a server a deploy test started) left in the table.
    cache.clear()


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
        traveller.shift(probes.CACHE_PROBE_SECONDS + 1)
        assert cache.get(probes.CACHE_PROBE_KEY) is None
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/health/").json()["checks"]["cache"] == "ok"
        assert cache_table_writes(queries) >= 1
        assert cache.get(probes.CACHE_PROBE_KEY) == "ok"


def test_health_answers_503_when_the_cache_fails(client, settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "no_such_table"}
    }
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json()["checks"]["cache"] == "failing"


def test_the_plain_view_names_its_checks_and_skips_the_broker_ones_in_eager_mode(client):
    body = client.get("/health/").json()
    assert body["checks"] == {
        "database": "ok",
        "cache": "ok",
        "migrations": "ok",
        "redis": "skipped",
        "celery worker": "skipped",
    }


def test_unapplied_migrations_fail_the_probe(client, monkeypatch):
    monkeypatch.setattr(probes.Migrations, "all_applied", False)
    monkeypatch.setattr(probes.MigrationExecutor, "migration_plan", lambda self, targets: [("x", False)])
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json()["checks"]["migrations"] == "failing"


def test_the_detailed_view_needs_a_staff_login_or_the_token(client, settings):
    settings.HEALTH_TOKEN = "s3cret-token-for-tests"
    assert client.get("/health/detail/", HTTP_ACCEPT="application/json").status_code == 401
    response = client.get("/health/detail/", HTTP_ACCEPT="text/html")
    assert response.status_code == 302 and "/login/" in response["Location"]
    wrong = client.get("/health/detail/", HTTP_ACCEPT="application/json", HTTP_AUTHORIZATION="Bearer nope")
    assert wrong.status_code == 401
    right = client.get(
        "/health/detail/", HTTP_ACCEPT="application/json", HTTP_AUTHORIZATION="Bearer s3cret-token-for-tests"
    )
    assert right.status_code == 200
    assert right.json()["database (critical)"] == "OK"


def test_a_stale_source_is_a_warning_that_does_not_fail_the_probe(admin_client):
    # No data anywhere: every registered source is stale.
    response = admin_client.get("/health/detail/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert "Meta ads stale" in response.json()["data sources (warning only)"]
    html = admin_client.get("/health/detail/")
    assert html.status_code == 200 and "data sources (warning only)" in html.content.decode()


def test_a_failing_critical_check_answers_503_in_the_detailed_view_too(client, monkeypatch, settings):
    settings.HEALTH_TOKEN = "s3cret-token-for-tests"

    def broken():
        raise DatabaseError("down at 10.0.0.5")

    monkeypatch.setattr(probes.connection, "cursor", broken)
    response = client.get(
        "/health/detail/", HTTP_ACCEPT="application/json", HTTP_AUTHORIZATION="Bearer s3cret-token-for-tests"
    )
    assert response.status_code == 503
    assert response.json()["database (critical)"] == "Unavailable: the database does not answer"
    assert "10.0.0.5" not in response.content.decode()


def test_the_worker_ping_client_leaves_the_projects_celery_app_current():
    """A /health/ request must not re-point the process's tasks at the ping client."""
    from celery import current_app

    from bizops.celery import app
    from health.probes import control_app

    before = current_app._get_current_object()
    control_app("redis://127.0.0.1:1/0")
    assert current_app._get_current_object() is before is app
