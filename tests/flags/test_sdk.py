"""The SDK endpoint, the middleware, the template tags and the bootstrap JSON."""

import json

import pytest
from django.http import HttpResponse
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import timezone
from growthbook import GrowthBook

from flags import snapshot
from flags.middleware import FlagsMiddleware
from tests.flags.conftest import ClientKeyFactory, FlagFactory, running_experiment

pytestmark = pytest.mark.django_db


def test_it_serves_the_flags_in_growthbooks_payload_format(client):
    key = ClientKeyFactory()
    FlagFactory(
        key="new-checkout",
        rules=[
            {"conditions": [{"attribute": "country", "operator": "in", "value": ["CA"]}], "value": True},
            {"percentage": 50, "value": True},
        ],
    )
    FlagFactory(key="switched-off", enabled=False)
    response = client.get(f"/flags/sdk/{key.key}.json")
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    body = response.json()
    assert body["status"] == 200
    assert body["features"] == {
        "new-checkout": {
            "defaultValue": False,
            "rules": [
                {"condition": {"country": {"$in": ["CA"]}}, "force": True},
                {
                    "force": True,
                    "coverage": 0.5,
                    "hashAttribute": "id",
                    "seed": "new-checkout",
                    "hashVersion": 2,
                },
            ],
        }
    }


def test_it_serves_experiment_rules_with_the_experiment_key_as_seed(client):
    key = ClientKeyFactory()
    running_experiment(flag_key="checkout", key="checkout-copy")
    rule = client.get(f"/flags/sdk/{key.key}.json").json()["features"]["checkout"]["rules"][0]
    assert (rule["key"], rule["seed"], rule["hashVersion"]) == ("checkout-copy", "checkout-copy", 2)
    assert (rule["variations"], rule["weights"], rule["coverage"]) == ([False, True], [0.5, 0.5], 1.0)
    assert [m["key"] for m in rule["meta"]] == ["control", "treatment"]


def test_a_growthbook_sdk_fed_by_the_endpoint_agrees_with_us(client):
    import flags

    key = ClientKeyFactory()
    FlagFactory(key="half", rules=[{"percentage": 50, "value": True}])
    gb = GrowthBook(features=client.get(f"/flags/sdk/{key.key}.json").json()["features"])
    for i in range(300):
        gb.set_attributes({"id": f"visitor-{i}"})
        assert gb.is_on("half") == flags.is_on("half", {"id": f"visitor-{i}"})


def test_a_revoked_client_key_gets_403(client):
    key = ClientKeyFactory(revoked_at=timezone.now())
    response = client.get(f"/flags/sdk/{key.key}.json")
    assert response.status_code == 403
    assert response.json()["message"] == "this client key has been revoked"


def test_an_unknown_client_key_gets_404(client):
    assert client.get("/flags/sdk/sdk-nope.json").status_code == 404


def test_it_answers_304_when_the_flags_have_not_changed(client):
    key = ClientKeyFactory()
    first = client.get(f"/flags/sdk/{key.key}.json")
    again = client.get(f"/flags/sdk/{key.key}.json", headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 304
    FlagFactory(key="new")
    assert (
        client.get(f"/flags/sdk/{key.key}.json", headers={"If-None-Match": first["ETag"]}).status_code == 200
    )


def ok(request):
    return HttpResponse("ok")


def _through_middleware(request, view):
    return FlagsMiddleware(view)(request)


def test_the_middleware_evaluates_lazily_and_sets_the_visitor_cookie_only_when_used(rf: RequestFactory):
    FlagFactory(key="banner", default_value=True)
    request = rf.get("/")
    untouched = _through_middleware(request, ok)
    assert "gbuuid" not in untouched.cookies

    def view(r):
        return HttpResponse(str(r.flags.is_on("banner")))

    response = _through_middleware(rf.get("/"), view)
    assert response.content == b"True"
    assert len(response.cookies["gbuuid"].value) == 32


def test_the_middleware_buckets_an_anonymous_visitor_on_the_cookie_id(rf):
    import flags

    FlagFactory(key="half", rules=[{"percentage": 50, "value": True}])
    seen = set()
    for i in range(40):
        request = rf.get("/")
        request.COOKIES["gbuuid"] = f"visitor-id-{i:04d}"
        _through_middleware(request, ok)
        assert request.flags.is_on("half") == flags.is_on("half", {"id": f"visitor-id-{i:04d}"})
        seen.add(request.flags.is_on("half"))
    assert seen == {True, False}


def test_the_template_tags_read_the_requests_flags(rf):
    FlagFactory(key="new-nav", default_value=True)
    FlagFactory(key="colour", value_type="string", default_value="green")
    request = rf.get("/")
    _through_middleware(request, ok)
    html = Template(
        '{% load flags %}{% flag_on "new-nav" as nav %}{% if nav %}NAV{% endif %} '
        '{% flag_value "colour" "blue" %} {% flag_value "missing" "blue" %}'
    ).render(Context({"request": request}))
    assert html == "NAV green blue"


def test_the_bootstrap_json_carries_features_attributes_and_values(rf):
    FlagFactory(key="hero", value_type="string", default_value="a")
    request = rf.get("/")
    request.COOKIES["gbuuid"] = "visitor-id-0001"
    _through_middleware(request, ok)
    html = Template("{% load flags %}{% flags_bootstrap %}").render(Context({"request": request}))
    assert html.startswith('<script id="flags-bootstrap" type="application/json">')
    data = json.loads(html.split(">", 1)[1].rsplit("<", 1)[0])
    assert data["features"]["hero"] == {"defaultValue": "a", "rules": []}
    assert data["attributes"]["id"] == "visitor-id-0001"
    assert data["values"] == {"hero": "a"}


def test_the_etag_is_the_same_from_every_process_serving_the_same_flags(client, time_machine):
    key = ClientKeyFactory()
    FlagFactory(key="new-checkout", rules=[{"percentage": 50, "value": True}])
    time_machine.move_to("2026-03-01T09:00:00Z")
    first = client.get(f"/flags/sdk/{key.key}.json")
    # Another worker: its own snapshot, built later from the same database.
    snapshot.reset()
    time_machine.move_to("2026-03-01T09:05:00Z")
    other = client.get(f"/flags/sdk/{key.key}.json")
    assert other["ETag"] == first["ETag"]
    assert other.content == first.content
    again = client.get(f"/flags/sdk/{key.key}.json", headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 304


def test_each_client_key_has_its_own_etag(client):
    one, two = ClientKeyFactory(), ClientKeyFactory()
    assert (
        client.get(f"/flags/sdk/{one.key}.json")["ETag"] != client.get(f"/flags/sdk/{two.key}.json")["ETag"]
    )
