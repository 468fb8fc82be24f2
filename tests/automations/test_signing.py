"""Signatures per the Standard Webhooks specification, checked against its test vector and package."""

from datetime import UTC, datetime

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from bizops.automations import keys, signing

SPEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def test_the_signature_matches_the_specifications_test_vector():
    body = b'{"test": 2432232314}'
    expected = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    assert signing.signature(SPEC_SECRET, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body) == expected


def test_a_new_secret_is_whsec_and_32_random_bytes():
    secret = keys.new_secret()
    assert secret.startswith("whsec_") and len(keys.key_of(secret)) == 32
    assert secret != keys.new_secret()


def test_the_package_verifies_our_headers_and_refuses_another_secret():
    secret, body = keys.new_secret(), b'{"type":"job.failed"}'
    now = int(datetime.now(UTC).timestamp())
    headers = signing.headers([secret], "msg_abc", now, body)
    assert Webhook(secret).verify(body, headers) == {"type": "job.failed"}
    with pytest.raises(WebhookVerificationError, match="No matching signature found"):
        Webhook(keys.new_secret()).verify(body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body.replace(b"failed", b"missed"), headers)


def test_during_a_rotation_either_secret_verifies():
    old, new, body = keys.new_secret(), keys.new_secret(), b"{}"
    now = int(datetime.now(UTC).timestamp())
    headers = signing.headers([old, new], "msg_abc", now, body)
    assert headers["webhook-signature"].count("v1,") == 2
    Webhook(old).verify(body, headers)
    Webhook(new).verify(body, headers)
