"""Server-side request forgery: refused address classes, checked when the socket opens."""

import socket

import pytest
from django.db import transaction

from bizops.automations import transport
from bizops.automations.forms import WebhookEndpointForm
from bizops.automations.models import Attempt
from bizops.events.outbox import emit
from tests.automations.factories import endpoint
from tests.automations.test_deliveries import FAILED


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("::1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("fd00::1", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("100.64.0.1", "carrier-grade NAT"),
        ("100.127.255.254", "carrier-grade NAT"),
        ("224.0.0.1", "multicast"),
        ("239.255.255.250", "multicast"),
        ("ff02::1", "multicast"),
        ("0.0.0.0", "unspecified"),  # noqa: S104 (an address to refuse, not to bind)
        ("::", "unspecified"),
        ("240.0.0.1", "reserved"),
        ("::ffff:127.0.0.1", "IPv4-mapped loopback"),
        ("::ffff:10.0.0.1", "IPv4-mapped private"),
        ("::ffff:169.254.169.254", "IPv4-mapped link-local"),
        ("64:ff9b::7f00:1", "NAT64 loopback"),
    ],
)
def test_each_non_public_address_class_is_refused(address, reason):
    assert transport.refusal(address) == reason


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8"])
def test_public_addresses_pass(address):
    assert transport.refusal(address) is None


def fake_dns(monkeypatch, answers: dict[str, list[str]]):
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host not in answers:
            return real(host, port, *args, **kwargs)
        ips = answers[host] if not callable(answers[host]) else answers[host]()
        return [
            (socket.AF_INET6 if ":" in ip else socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, port))
            for ip in ips
        ]

    monkeypatch.setattr(transport.socket, "getaddrinfo", getaddrinfo)


@pytest.mark.django_db
def test_a_loopback_receiver_is_refused_at_connect_time_and_never_reached(
    receiver, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_RETRY_SCHEDULE = []
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    ep = endpoint(receiver, "/internal")  # saved directly, as if the check had been passed at save
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        emit("job.failed", FAILED)
    assert receiver.received == []
    attempt = Attempt.objects.get(delivery__endpoint=ep)
    assert attempt.error == "127.0.0.1 resolves to 127.0.0.1, refused (loopback address)"


@pytest.mark.django_db
def test_a_name_that_rebinds_to_loopback_after_the_save_check_is_refused_at_connect(
    receiver, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_RETRY_SCHEDULE = []
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    answers = iter([["93.184.216.34"], ["127.0.0.1"]])
    fake_dns(monkeypatch, {"hooks.example.test": lambda: next(answers)})
    form = WebhookEndpointForm(
        data={
            "name": "rebind",
            "url": f"http://hooks.example.test:{receiver.port}/x",
            "format": "json",
            "event_types": ["job.failed"],
            "enabled": True,
        }
    )
    assert form.is_valid(), form.errors  # public when saved
    ep = form.save()
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        emit("job.failed", FAILED)
    assert receiver.received == []
    assert Attempt.objects.get(delivery__endpoint=ep).error.startswith(
        "hooks.example.test resolves to 127.0.0.1"
    )


@pytest.mark.django_db
def test_the_socket_connects_to_the_address_that_was_checked(
    receiver, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    fake_dns(monkeypatch, {"hooks.example.test": ["127.0.0.1"]})
    ep = endpoint(receiver, "/named")
    ep.url = f"http://hooks.example.test:{receiver.port}/named"
    ep.save()
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        emit("job.failed", FAILED)
    [seen] = receiver.accepted("/named")
    assert seen.host == f"hooks.example.test:{receiver.port}"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("ftp://example.com/hook", "only http and https URLs may receive webhooks, not ftp:"),
        ("http://127.0.0.1:9/hook", "127.0.0.1 resolves to 127.0.0.1, refused (loopback address)"),
        (
            "http://169.254.169.254/latest/meta-data/",
            "169.254.169.254 resolves to 169.254.169.254, refused (link-local address)",
        ),
        (
            "http://[::ffff:10.0.0.1]/hook",
            "::ffff:10.0.0.1 resolves to ::ffff:10.0.0.1, refused (IPv4-mapped private address)",
        ),
    ],
)
def test_the_admin_form_refuses_a_private_or_non_http_url_with_the_reason(url, error, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    form = WebhookEndpointForm(
        data={"name": "x", "url": url, "format": "json", "event_types": [], "enabled": True}
    )
    assert not form.is_valid()
    assert form.errors["url"] == [error]


def test_a_non_http_scheme_is_refused_when_sending_too():
    with pytest.raises(transport.RefusedTarget, match="only http and https"):
        transport.check_url("file:///etc/passwd")
