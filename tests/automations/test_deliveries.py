"""Deliveries through the whole path (emit, commit, dispatch, send) to a real receiver on 127.0.0.1,
which verifies each one with the standardwebhooks package."""

import json

import pytest
from django.core import mail
from django.db import transaction

from bizops.automations import delivery, tasks
from bizops.automations.models import Attempt, Delivery, WebhookEndpoint
from bizops.events.models import Event
from bizops.events.outbox import InvalidPayload, emit
from tests.automations.factories import endpoint

pytestmark = pytest.mark.django_db

FAILED = {
    "job": "etl.pull_meta",
    "run_id": 7,
    "error": "boom",
    "finished_at": "2026-11-30T06:00:00Z",
    "down_since": "2026-11-30T06:00:00Z",
    "reminder": False,
}


def emit_committed(capture, type_="job.failed", payload=None):
    with capture(execute=True), transaction.atomic():
        return emit(type_, payload or FAILED)


def test_every_delivery_verifies_with_the_standardwebhooks_package(
    receiver, webhook_settings, django_capture_on_commit_callbacks
):
    a = endpoint(receiver, "/a", types=["job.failed", "flag.changed"])
    b = endpoint(receiver, "/b", types=["flag.changed"])
    failed = emit_committed(django_capture_on_commit_callbacks)
    changed = emit_committed(
        django_capture_on_commit_callbacks,
        "flag.changed",
        {"flag": "new-checkout", "change": "changed", "by": "ann"},
    )

    assert [r.webhook_id for r in receiver.accepted("/a")] == [failed.webhook_id, changed.webhook_id]
    assert [r.webhook_id for r in receiver.accepted("/b")] == [changed.webhook_id]
    assert all(r.verified for r in receiver.received)
    body = json.loads(receiver.accepted("/a")[0].body)
    assert body["type"] == "job.failed" and body["version"] == 1 and body["data"]["run_id"] == 7
    assert set(Delivery.objects.values_list("status", flat=True)) == {"delivered"}
    assert a.deliveries.count() == 2 and b.deliveries.count() == 1


def test_a_receiver_with_the_wrong_secret_fails_verification(
    receiver, webhook_settings, django_capture_on_commit_callbacks
):
    ep = endpoint(receiver, "/wrong")
    receiver.secrets["/wrong"] = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"  # not the endpoint's
    emit_committed(django_capture_on_commit_callbacks)

    seen = receiver.at("/wrong")
    assert seen and not any(r.verified for r in seen)
    assert "No matching signature found" in seen[0].error
    first = Attempt.objects.filter(delivery__endpoint=ep).order_by("number").first()
    assert (first.outcome, first.status_code, first.response_body) == ("failed", 400, "bad signature")


def test_a_receiver_failing_twice_then_answering_200_gets_one_delivery_and_three_logged_attempts(
    receiver, webhook_settings, django_capture_on_commit_callbacks
):
    ep = endpoint(receiver, "/flaky", fail=[500, 503])
    event = emit_committed(django_capture_on_commit_callbacks)

    assert len(receiver.accepted("/flaky")) == 1
    assert {r.webhook_id for r in receiver.at("/flaky")} == {event.webhook_id}
    d = Delivery.objects.get(endpoint=ep)
    assert (d.status, d.attempts, d.last_status_code) == ("delivered", 3, 200)
    log = list(d.attempt_log.values_list("number", "outcome", "status_code"))
    assert log == [(1, "failed", 500), (2, "failed", 503), (3, "succeeded", 200)]
    assert all(a.duration is not None for a in d.attempt_log.all())


def test_an_event_emitted_in_a_transaction_that_rolls_back_is_never_sent(
    receiver, webhook_settings, django_capture_on_commit_callbacks
):
    endpoint(receiver, "/r")
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        emit("job.failed", FAILED)
        raise RuntimeError("the change failed")
    assert callbacks == []
    tasks.sweep.apply()
    assert not Event.objects.exists()
    assert receiver.received == []


def test_a_committed_event_whose_kick_was_lost_is_sent_by_the_sweep(
    receiver, webhook_settings, django_capture_on_commit_callbacks
):
    webhook_settings.WEBHOOK_DELIVER_ON_COMMIT = False  # as if the broker was down at commit
    endpoint(receiver, "/late")
    event = emit_committed(django_capture_on_commit_callbacks)
    assert receiver.received == [] and Event.objects.undispatched().count() == 1

    tasks.sweep.apply()
    assert [r.webhook_id for r in receiver.accepted("/late")] == [event.webhook_id]


def test_an_endpoint_gets_only_the_event_types_it_wants(
    receiver, webhook_settings, django_capture_on_commit_callbacks
):
    endpoint(receiver, "/flags", types=["flag.changed"])
    emit_committed(django_capture_on_commit_callbacks)
    assert receiver.received == [] and not Delivery.objects.exists()


def test_an_unknown_event_type_or_a_payload_off_the_catalogue_is_refused_in_one_line():
    with pytest.raises(ValueError, match=r"unknown event type 'job\.exploded'"):
        emit("job.exploded", {})
    with pytest.raises(InvalidPayload, match=r"job\.failed payload lacks error, finished_at") as info:
        emit("job.failed", {"job": "x", "run_id": 1, "down_since": "", "reminder": False, "colour": "red"})
    assert "undocumented colour" in str(info.value) and "\n" not in str(info.value)
    assert not Event.objects.exists()


def test_redirects_are_not_followed(receiver, webhook_settings, django_capture_on_commit_callbacks):
    webhook_settings.WEBHOOK_RETRY_SCHEDULE = []
    ep = endpoint(receiver, "/moved", fail=[302])
    emit_committed(django_capture_on_commit_callbacks)
    assert [r.path for r in receiver.received] == ["/moved"]
    attempt = Attempt.objects.get(delivery__endpoint=ep)
    assert attempt.error == "HTTP 302 (redirects are not followed)"
    assert Delivery.objects.get(endpoint=ep).status == "failed"


def test_an_endpoint_failing_n_deliveries_in_a_row_is_disabled_and_staff_are_told(
    receiver, webhook_settings, django_capture_on_commit_callbacks, admin_user
):
    webhook_settings.WEBHOOK_RETRY_SCHEDULE = ["0s"]
    webhook_settings.WEBHOOK_DISABLE_AFTER_FAILURES = 2
    admin_user.email, admin_user.is_staff = "ops@example.com", True
    admin_user.save()
    down = endpoint(receiver, "/down", fail=[500] * 10)
    slack = endpoint(receiver, "/slack", types=["endpoint.disabled"], fmt="slack")

    emit_committed(django_capture_on_commit_callbacks)
    down.refresh_from_db()
    assert down.enabled and down.consecutive_failures == 1
    emit_committed(django_capture_on_commit_callbacks)

    down.refresh_from_db()
    assert not down.enabled and down.disabled_reason == "2 deliveries in a row failed every attempt"
    assert len(receiver.at("/down")) == 4  # two deliveries, two attempts each
    notice = json.loads(receiver.accepted("/slack")[0].body)
    assert notice["text"] == "Webhook endpoint down disabled: 2 deliveries in a row failed every attempt"
    assert f"/admin/automations/webhookendpoint/{down.pk}/change/|Open in bizops>" in json.dumps(notice)
    assert [m.to for m in mail.outbox] == [["ops@example.com"]]
    assert "down" in mail.outbox[0].subject

    emit_committed(django_capture_on_commit_callbacks)  # a disabled endpoint gets nothing new
    assert len(receiver.at("/down")) == 4
    assert slack.deliveries.count() == 1


def test_410_gone_disables_the_endpoint_at_once(
    receiver, webhook_settings, django_capture_on_commit_callbacks
):
    ep = endpoint(receiver, "/gone", fail=[410])
    emit_committed(django_capture_on_commit_callbacks)
    ep.refresh_from_db()
    assert not ep.enabled and ep.disabled_reason == "it answered 410 Gone"
    assert len(receiver.at("/gone")) == 1


def test_replay_sends_a_past_delivery_again_with_the_same_webhook_id(
    receiver, webhook_settings, django_capture_on_commit_callbacks
):
    ep = endpoint(receiver, "/replay")
    event = emit_committed(django_capture_on_commit_callbacks)
    d = Delivery.objects.get(endpoint=ep)
    with django_capture_on_commit_callbacks(execute=True):
        assert delivery.replay([d.pk]) == 1
        tasks.deliver_soon([d.pk])
    assert [r.webhook_id for r in receiver.accepted("/replay")] == [event.webhook_id] * 2
    d.refresh_from_db()
    assert (d.status, d.attempts) == ("delivered", 2)


def test_the_response_body_is_clipped(receiver, webhook_settings, django_capture_on_commit_callbacks):
    webhook_settings.WEBHOOK_RESPONSE_BODY_MAX = 10
    ep = endpoint(receiver, "/long")
    receiver.answers["/long"] = b"x" * 5000
    emit_committed(django_capture_on_commit_callbacks)
    assert Attempt.objects.get(delivery__endpoint=ep).response_body == "x" * 10


def test_a_receiver_slower_than_the_timeout_is_a_failed_attempt(
    receiver, webhook_settings, django_capture_on_commit_callbacks
):
    webhook_settings.WEBHOOK_TIMEOUT_SECONDS = 0.5
    webhook_settings.WEBHOOK_RETRY_SCHEDULE = []
    ep = endpoint(receiver, "/slow")
    receiver.hold_paths.add("/slow")
    emit_committed(django_capture_on_commit_callbacks)
    receiver.release.set()
    attempt = Attempt.objects.get(delivery__endpoint=ep)
    assert (attempt.outcome, attempt.error) == ("failed", "timed out after 0.5 s (127.0.0.1)")


def test_rotation_signs_with_both_secrets_during_the_grace_period(
    receiver, webhook_settings, django_capture_on_commit_callbacks
):
    ep = endpoint(receiver, "/rot")
    old = ep.secret
    new = ep.rotate_secret()
    receiver.secrets["/rot"] = old  # a receiver not yet updated still verifies
    emit_committed(django_capture_on_commit_callbacks)
    receiver.secrets["/rot"] = new
    emit_committed(django_capture_on_commit_callbacks, payload={**FAILED, "run_id": 8})
    assert len(receiver.accepted("/rot")) == 2
    assert len(receiver.accepted("/rot")[0].signature.split(" ")) == 2

    WebhookEndpoint.objects.filter(pk=ep.pk).update(previous_secret_expires_at="2000-01-01T00:00:00Z")
    receiver.secrets["/rot"] = old
    emit_committed(django_capture_on_commit_callbacks, payload={**FAILED, "run_id": 9})
    assert not receiver.at("/rot")[-1].verified  # the old secret no longer signs


def test_slack_messages_read_plainly_escape_data_and_link_to_the_admin(
    receiver, webhook_settings, django_capture_on_commit_callbacks
):
    webhook_settings.BIZOPS_BASE_URL = "https://ops.example.com"
    endpoint(receiver, "/slack", fmt="slack")
    emit_committed(
        django_capture_on_commit_callbacks,
        payload={**FAILED, "error": "<!channel> & co", "admin_path": "/admin/health/jobrun/7/change/"},
    )
    body = json.loads(receiver.accepted("/slack")[0].body)
    assert body["text"] == "Job etl.pull_meta failed (run #7): &lt;!channel&gt; &amp; co"
    context = body["blocks"][1]["elements"][0]["text"]
    assert "<https://ops.example.com/admin/health/jobrun/7/change/|Open in bizops>" in context


def test_the_secret_never_reaches_the_logs(
    receiver, webhook_settings, django_capture_on_commit_callbacks, caplog
):
    caplog.set_level("DEBUG")
    ep = endpoint(receiver, "/logs", fail=[500, 500, 500, 500])
    emit_committed(django_capture_on_commit_callbacks)
    assert ep.secret.removeprefix("whsec_") not in caplog.text
    assert "attempt 1 failed: HTTP 500" in caplog.text


def test_a_transaction_with_many_events_queues_one_dispatch(
    receiver, webhook_settings, django_capture_on_commit_callbacks
):
    endpoint(receiver, "/many")
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        for n in range(5):
            emit("job.failed", {**FAILED, "run_id": n})
    assert len(callbacks) == 1
    assert len(receiver.accepted("/many")) == 5


def test_an_event_after_a_rolled_back_savepoint_still_queues_its_dispatch(
    receiver, webhook_settings, django_capture_on_commit_callbacks
):
    endpoint(receiver, "/after")
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        try:
            with transaction.atomic():
                emit("job.failed", FAILED)
                raise RuntimeError("the inner change failed")
        except RuntimeError:
            pass
        kept = emit("job.failed", {**FAILED, "run_id": 8})
    assert [r.webhook_id for r in receiver.accepted("/after")] == [kept.webhook_id]
