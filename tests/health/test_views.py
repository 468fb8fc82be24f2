import pytest
from django.db import DatabaseError

pytestmark = pytest.mark.django_db


def test_health_answers_ok_with_its_checks(client):
    response = client.get("/health/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["cache"] == "ok"


def test_health_answers_503_when_the_database_fails(client, monkeypatch):
    from health import views

    def broken():
        raise DatabaseError("down")

    monkeypatch.setattr(views.connection, "cursor", broken)
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "failing"
    assert "down" not in response.content.decode()
