"""The SDK endpoint under load: answers served from memory, cacheable by a CDN, no query per request."""

import time

import pytest
from django.utils import timezone

from flags import payload, snapshot
from tests.flags.conftest import ClientKeyFactory, FlagFactory

pytestmark = pytest.mark.django_db


def url(key) -> str:
    return f"/flags/sdk/{key.key}.json"


@pytest.fixture
def builds(monkeypatch):
    """How many times the payload was serialised and an ETag hashed."""
    counts = {"payload": 0, "etag": 0}
    features, etag = payload.features, payload.etag

    def counting_features(snap):
        counts["payload"] += 1
        return features(snap)

    def counting_etag(snap, client_key):
        counts["etag"] += 1
        return etag(snap, client_key)

    monkeypatch.setattr(payload, "features", counting_features)
    monkeypatch.setattr(payload, "etag", counting_etag)
    return counts


@pytest.fixture
def clock(monkeypatch):
    """The monotonic clock the snapshot's check interval runs on, moved forward by the test."""
    real = time.monotonic
    offset = [0.0]
    monkeypatch.setattr(time, "monotonic", lambda: real() + offset[0])

    def advance(seconds: float) -> None:
        offset[0] += seconds

    return advance


def test_the_payload_and_its_etag_are_made_once_per_flags_version(client, builds):
    key = ClientKeyFactory()
    FlagFactory(key="new-checkout", rules=[{"percentage": 50, "value": True}])
    bodies = {client.get(url(key)).content for _ in range(20)}
    assert len(bodies) == 1
    assert builds == {"payload": 1, "etag": 1}
    FlagFactory(key="another")
    assert b"another" in client.get(url(key)).content
    assert builds == {"payload": 2, "etag": 2}


def test_the_etag_is_the_same_after_a_rebuild_of_the_same_version(client, builds):
    key = ClientKeyFactory()
    FlagFactory(key="new-checkout")
    first = client.get(url(key))
    snapshot.reset()  # another worker, or this one after a restart
    again = client.get(url(key))
    assert builds["payload"] == 2
    assert again["ETag"] == first["ETag"]
    assert again.content == first.content


def test_a_revalidation_gets_304_without_the_body_but_with_the_caching_headers(client):
    key = ClientKeyFactory()
    FlagFactory(key="new-checkout")
    etag = client.get(url(key))["ETag"]
    response = client.get(url(key), headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == etag
    assert response["Cache-Control"] == "public, max-age=30, stale-while-revalidate=30"
    assert response["Access-Control-Allow-Origin"] == "*"


def test_a_cdn_may_hold_the_payload_and_serve_it_stale_while_it_revalidates(client, settings):
    settings.FLAGS_SDK_CACHE_SECONDS, settings.FLAGS_SDK_STALE_SECONDS = 5, 60
    key = ClientKeyFactory()
    response = client.get(url(key))
    assert response["Cache-Control"] == "public, max-age=5, stale-while-revalidate=60"
    assert response["Access-Control-Allow-Origin"] == "*"
    # Nothing that would make a shared cache keep one copy per visitor, or refuse to store it.
    assert not response.has_header("Vary")
    assert not response.cookies


def test_it_answers_without_any_query_once_warm(client, settings, django_assert_num_queries):
    settings.FLAGS_SNAPSHOT_CHECK_INTERVAL = 60
    key = ClientKeyFactory()
    FlagFactory(key="new-checkout")
    etag = client.get(url(key))["ETag"]
    with django_assert_num_queries(0):
        for _ in range(10):
            assert client.get(url(key)).status_code == 200
            assert client.get(url(key), headers={"If-None-Match": etag}).status_code == 304


def test_a_revoked_key_is_refused_once_the_version_moves(client):
    key = ClientKeyFactory()
    assert client.get(url(key)).status_code == 200
    key.revoked_at = timezone.now()
    key.save()
    assert client.get(url(key)).status_code == 403


def test_a_revoked_key_is_refused_within_the_check_interval_in_other_processes(client, settings, clock):
    settings.FLAGS_SNAPSHOT_CHECK_INTERVAL = 2
    key = ClientKeyFactory()
    assert client.get(url(key)).status_code == 200
    # Revoked elsewhere: this process learns it from the version, not from its own commit.
    key.revoked_at = timezone.now()
    key.save()
    clock(1)
    assert client.get(url(key)).status_code == 200  # the bound: one check interval
    clock(1.5)
    assert client.get(url(key)).status_code == 403
