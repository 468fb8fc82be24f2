"""From the outbox to the endpoints: dispatch, one attempt at a time, retries, disabling.

``dispatch`` turns committed events into one ``Delivery`` per subscribed,
enabled endpoint (rows locked with SKIP LOCKED, so two dispatchers never make
the same delivery; a unique constraint stands behind that). ``attempt`` sends
a delivery once: it first takes a lease on it with a compare-and-set (one
sender at a time; a sender killed mid-request frees it when the lease lapses,
and its attempt is then logged as interrupted), logs the attempt, and records
the outcome: delivered on a 2xx, else the next attempt after the schedule's
wait (``bizops.automations.backoff``), or given up after the last one. Every
attempt of a delivery carries the same ``webhook-id`` (its event's), so a
receiver that saw it before can ignore it: delivery is at least once, and
exactly once for a receiver that deduplicates on ``webhook-id``.

An endpoint whose deliveries were given up ``WEBHOOK_DISABLE_AFTER_FAILURES``
times in a row (or that answered 410 Gone) is disabled: its pending deliveries
are cancelled, an ``endpoint.disabled`` event goes to the endpoints that want
it, and staff who manage endpoints get an e-mail.
"""

import logging
import random
import threading
import time
from datetime import timedelta
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from bizops.automations import backoff, render, signing, transport
from bizops.automations.models import Attempt, Delivery, WebhookEndpoint
from bizops.events import catalogue
from bizops.events.models import Event
from bizops.events.outbox import emit

logger = logging.getLogger(__name__)

#: Seconds a lease outlasts the request's timeout (database writes around the request).
LEASE_MARGIN_SECONDS = 5
USER_AGENT = "bizops-webhooks/1"

_local = threading.local()


def _session() -> requests.Session:
    # One session per thread: connections to an endpoint are kept alive between deliveries.
    if getattr(_local, "session", None) is None:
        _local.session = transport.session()
    return _local.session


def dispatch(limit: int = 1000) -> list[int]:
    """Deliveries for up to ``limit`` undispatched events; returns the new deliveries' ids."""
    now = timezone.now()
    with transaction.atomic():
        events = list(
            Event.objects.undispatched().order_by("created_at").select_for_update(skip_locked=True)[:limit]
        )
        if not events:
            return []
        endpoints = list(WebhookEndpoint.objects.filter(enabled=True))
        rows = [
            Delivery(endpoint=endpoint, event=event, next_attempt_at=now, created_at=now)
            for event in events
            for endpoint in endpoints
            if endpoint.wants(event.type)
        ]
        created = Delivery.objects.bulk_create(rows)
        Event.objects.filter(pk__in=[event.pk for event in events]).update(dispatched_at=now)
    return [delivery.pk for delivery in created]


def _claimable(now) -> Q:
    return Q(status=Delivery.Status.PENDING, next_attempt_at__lte=now) & (
        Q(lease_until=None) | Q(lease_until__lt=now)
    )


def due(limit: int = 5000) -> list[int]:
    """Pending deliveries whose next attempt is due and that no live sender holds."""
    now = timezone.now()
    return list(
        Delivery.objects.filter(_claimable(now), endpoint__enabled=True)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


def _claim(delivery_id: int) -> bool:
    now = timezone.now()
    lease = now + timedelta(seconds=settings.WEBHOOK_TIMEOUT_SECONDS + LEASE_MARGIN_SECONDS)
    # Compare-and-set on the row itself: only one sender wins a pending, unleased delivery.
    return bool(
        Delivery.objects.filter(_claimable(now), pk=delivery_id).update(
            lease_until=lease, attempts=F("attempts") + 1
        )
    )


def _clip_body(response: requests.Response) -> str:
    limit = settings.WEBHOOK_RESPONSE_BODY_MAX
    try:
        raw = response.raw.read(limit * 4 + 4, decode_content=True) or b""
    except Exception as exc:  # the answer's status counts; a broken body is only noted
        return f"(body unreadable: {type(exc).__name__})"
    finally:
        response.close()
    return raw.decode("utf-8", errors="replace")[:limit]


def _describe(exc: Exception, url: str) -> str:
    """The error without the URL: a Slack or Zapier URL is itself a credential."""
    host = urlsplit(url).hostname or "?"
    if isinstance(exc, transport.RefusedTarget):
        return str(exc)
    if isinstance(exc, requests.Timeout):
        return f"timed out after {settings.WEBHOOK_TIMEOUT_SECONDS:g} s ({host})"
    if isinstance(exc, requests.ConnectionError):
        return f"could not connect to {host}"
    return f"{type(exc).__name__} sending to {host}"


def _retry_after(response_headers: dict, code: int | None) -> timedelta | None:
    if code not in (429, 503):
        return None
    value = (response_headers or {}).get("retry-after", "")
    return timedelta(seconds=min(int(value), 86400)) if value.isdigit() else None


def attempt(delivery_id: int, rng: random.Random | None = None) -> timedelta | None:
    """Send the delivery once if it is due and free; the wait before its retry, if one is scheduled."""
    # Two commits per attempt: the claim with its log row, then the outcome.
    with transaction.atomic():
        if not _claim(delivery_id):
            return None
        delivery = Delivery.objects.select_related("endpoint", "event").get(pk=delivery_id)
        endpoint = delivery.endpoint
        if not endpoint.enabled:
            Delivery.objects.filter(pk=delivery_id).update(status=Delivery.Status.CANCELLED, lease_until=None)
            return None
        if delivery.attempts > 1:
            Attempt.objects.filter(delivery=delivery, outcome=Attempt.Outcome.SENDING).update(
                outcome=Attempt.Outcome.INTERRUPTED, error="its sender stopped mid-request (worker lost)"
            )
        body = render.body(delivery)
        timestamp = int(time.time())
        log = Attempt.objects.create(delivery=delivery, number=delivery.attempts, webhook_timestamp=timestamp)
    headers = {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        **signing.headers(endpoint.signing_secrets(), delivery.webhook_id, timestamp, body),
    }
    started = time.monotonic()
    code, text, error, response_headers = None, "", "", {}
    try:
        response = transport.post(
            _session(), endpoint.url, body=body, headers=headers, timeout=settings.WEBHOOK_TIMEOUT_SECONDS
        )
        code, response_headers = response.status_code, response.headers
        text = _clip_body(response)
    except (requests.RequestException, transport.RefusedTarget) as exc:
        error = _describe(exc, endpoint.url)
    duration = timedelta(seconds=time.monotonic() - started)
    ok = code is not None and 200 <= code < 300
    if code is not None and not ok:
        error = f"HTTP {code}" + (" (redirects are not followed)" if 300 <= code < 400 else "")
    with transaction.atomic():
        return _record(
            delivery,
            log,
            ok=ok,
            code=code,
            text=text,
            error=error,
            duration=duration,
            retry_after=_retry_after(response_headers, code),
            rng=rng,
        )


def _record(delivery, log, *, ok, code, text, error, duration, retry_after, rng) -> timedelta | None:
    now = timezone.now()
    endpoint = delivery.endpoint
    outcome = Attempt.Outcome.SUCCEEDED if ok else Attempt.Outcome.FAILED
    Attempt.objects.filter(pk=log.pk).update(
        outcome=outcome, status_code=code, duration=duration, error=error[:500], response_body=text
    )
    pending = Delivery.objects.filter(pk=delivery.pk, status=Delivery.Status.PENDING)
    if ok:
        pending.update(
            status=Delivery.Status.DELIVERED, delivered_at=now, lease_until=None, last_status_code=code
        )
        if endpoint.consecutive_failures:
            WebhookEndpoint.objects.filter(pk=endpoint.pk).update(consecutive_failures=0)
        return None
    logger.info(
        "webhook delivery #%s (%s to %s) attempt %s failed: %s",
        delivery.pk,
        delivery.event.type,
        endpoint.name,
        delivery.attempts,
        error,
    )
    gone = code == 410
    wait = None if gone else backoff.wait_before_retry(delivery.attempts, rng)
    if wait is not None:
        if retry_after and retry_after > wait:
            wait = retry_after
        pending.update(next_attempt_at=now + wait, lease_until=None, last_status_code=code)
        return wait
    pending.update(status=Delivery.Status.FAILED, lease_until=None, last_status_code=code)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(consecutive_failures=F("consecutive_failures") + 1)
    failures = WebhookEndpoint.objects.values_list("consecutive_failures", flat=True).get(pk=endpoint.pk)
    if gone:
        disable(endpoint.pk, "it answered 410 Gone", failures)
    elif failures >= settings.WEBHOOK_DISABLE_AFTER_FAILURES:
        disable(endpoint.pk, f"{failures} deliveries in a row failed every attempt", failures)
    return None


def disable(endpoint_id: int, reason: str, failures: int) -> bool:
    """Disable an enabled endpoint, cancel its pending deliveries and tell staff; False if it already was."""
    with transaction.atomic():
        changed = WebhookEndpoint.objects.filter(pk=endpoint_id, enabled=True).update(
            enabled=False, disabled_at=timezone.now(), disabled_reason=reason[:300]
        )
        if not changed:
            return False
        Delivery.objects.filter(endpoint_id=endpoint_id, status=Delivery.Status.PENDING).update(
            status=Delivery.Status.CANCELLED, lease_until=None
        )
        endpoint = WebhookEndpoint.objects.get(pk=endpoint_id)
        emit(
            "endpoint.disabled",
            {
                "endpoint": endpoint.name,
                "reason": reason,
                "failures": failures,
                "admin_path": endpoint.get_absolute_url(),
            },
        )
        transaction.on_commit(lambda: notify_staff(endpoint, reason), robust=True)
    logger.warning("webhook endpoint %s disabled: %s", endpoint.name, reason)
    return True


def staff_to_notify() -> list[str]:
    users = get_user_model().objects.filter(is_active=True, is_staff=True).exclude(email="")
    perm = Q(user_permissions__codename="change_webhookendpoint") | Q(
        groups__permissions__codename="change_webhookendpoint"
    )
    return sorted(set(users.filter(perm | Q(is_superuser=True)).values_list("email", flat=True)))


def notify_staff(endpoint: WebhookEndpoint, reason: str) -> None:
    recipients = staff_to_notify()
    if not recipients:
        return
    link = settings.BIZOPS_BASE_URL.rstrip("/") + endpoint.get_absolute_url()
    try:
        send_mail(
            f"bizops: webhook endpoint {endpoint.name} disabled",
            f"The webhook endpoint {endpoint.name} was disabled: {reason}.\n\n"
            f"Its pending deliveries were cancelled. Fix the receiver, enable the endpoint "
            f"and replay what it missed: {link}",
            None,
            recipients,
        )
    except OSError as exc:
        logger.warning("could not e-mail staff that endpoint %s was disabled: %s", endpoint.name, exc)


def replay(delivery_ids: list[int]) -> int:
    """Send past deliveries again (same ``webhook-id``) to enabled endpoints; how many were queued."""
    now = timezone.now()
    return (
        Delivery.objects.filter(pk__in=delivery_ids, endpoint__enabled=True)
        .exclude(status=Delivery.Status.PENDING)
        .update(status=Delivery.Status.PENDING, next_attempt_at=now, lease_until=None, delivered_at=None)
    )


def test_delivery(endpoint: WebhookEndpoint) -> Delivery:
    """A ``webhook.test`` event for this endpoint alone, to be sent now."""
    spec = catalogue.get("webhook.test")
    payload = {
        "endpoint": endpoint.name,
        "message": "A test event from bizops: the endpoint works.",
        "admin_path": endpoint.get_absolute_url(),
    }
    now = timezone.now()
    event = Event.objects.create(type=spec.name, version=spec.version, payload=payload, dispatched_at=now)
    return Delivery.objects.create(endpoint=endpoint, event=event, next_attempt_at=now)
