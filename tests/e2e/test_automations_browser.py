"""The webhook admin pages at 1,400 px in Chromium: endpoints, the delivery log, a delivery's attempts."""

from datetime import timedelta

import pytest
from django.utils import timezone

from bizops.automations.models import Attempt, Delivery, WebhookEndpoint
from bizops.events import catalogue
from bizops.events.models import Event
from tests.e2e.test_admin_pages_fit import assert_fits

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]


@pytest.fixture
def log():
    every = [spec.name for spec in catalogue.subscribable()]
    slack = WebhookEndpoint.objects.create(
        name="ops-slack-channel-for-the-whole-operations-team",
        url="https://hooks.slack.com/services/T0000000000/B0000000000/abcdefghijklmnopqrstuvwx",
        format="slack",
        event_types=every,
    )
    WebhookEndpoint.objects.create(
        name="warehouse",
        url="https://example.com/" + "very-long-path-segment/" * 8,
        event_types=["etl.run_finished"],
        enabled=False,
        disabled_at=timezone.now(),
        disabled_reason="3 deliveries in a row failed every attempt",
    )
    event = Event.objects.create(
        type="job.failed",
        version=1,
        dispatched_at=timezone.now(),
        payload={
            "job": "etl.pull_meta",
            "run_id": 1,
            "error": "x" * 400,
            "finished_at": "2026-11-30T06:00:00Z",
            "down_since": "2026-11-30T06:00:00Z",
            "reminder": False,
        },
    )
    delivery = Delivery.objects.create(
        endpoint=slack,
        event=event,
        attempts=2,
        status="delivered",
        last_status_code=200,
        delivered_at=timezone.now(),
    )
    Attempt.objects.create(
        delivery=delivery,
        number=1,
        webhook_timestamp=1,
        outcome="failed",
        status_code=500,
        duration=timedelta(seconds=1.2),
        error="HTTP 500",
        response_body="<html>" + "upstream_error " * 120 + "</html>",
    )
    Attempt.objects.create(
        delivery=delivery,
        number=2,
        webhook_timestamp=2,
        outcome="succeeded",
        status_code=200,
        duration=timedelta(milliseconds=80),
        response_body="ok",
    )
    return slack, delivery


def test_the_endpoint_list_and_page_fit(page, live_server, output_dir, log):
    slack, _ = log
    page.goto(f"{live_server.url}/admin/automations/webhookendpoint/")
    assert_fits(page, "#changelist-form .results", "webhook-endpoints", output_dir)
    assert (
        page.locator("td.field-state .wh-note").first.inner_text()
        == "3 deliveries in a row failed every attempt"
    )
    assert "abcdefghijklmnopqrstuvwx" not in page.content()  # a Slack URL's path is a credential
    page.goto(f"{live_server.url}/admin/automations/webhookendpoint/{slack.pk}/change/")
    assert_fits(page, "#content-main", "webhook-endpoint", output_dir)


def test_the_delivery_log_and_a_deliverys_attempts_fit(page, live_server, output_dir, log):
    _, delivery = log
    page.goto(f"{live_server.url}/admin/automations/delivery/")
    assert_fits(page, "#changelist-form .results", "webhook-deliveries", output_dir)
    page.goto(f"{live_server.url}/admin/automations/delivery/{delivery.pk}/change/")
    assert_fits(page, "#content-main", "webhook-delivery", output_dir)
    assert page.locator(".wh-body").first.is_visible()


def test_the_add_form_and_the_secret_shown_once_fit(page, live_server, output_dir, settings):
    page.goto(f"{live_server.url}/admin/automations/webhookendpoint/add/")
    assert_fits(page, "#content-main", "webhook-endpoint-add", output_dir)
    page.fill("#id_name", "crm")
    page.fill("#id_url", "https://93.184.216.34/hooks/bizops")
    page.check("input[name=event_types][value='job.failed']")
    page.click("input[name=_save]")
    secret = page.locator("#webhook-secret").inner_text()
    assert secret == WebhookEndpoint.objects.get(name="crm").secret
    assert_fits(page, "#content-main", "webhook-secret-once", output_dir)
    page.goto(f"{live_server.url}/admin/automations/webhookendpoint/")
    assert secret not in page.content()
