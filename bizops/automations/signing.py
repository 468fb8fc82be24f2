"""Standard Webhooks signatures (https://www.standardwebhooks.com/, symmetric ``v1``).

The signed text is ``id.timestamp.body`` with the body's exact bytes as sent;
the signature is ``v1,`` + base64 of the HMAC-SHA256 digest keyed with the
base64-decoded ``whsec_`` secret. During a rotation's grace period both the
old and the new secret sign, and the header holds both entries separated by a
space: a receiver accepts any entry that matches.
"""

import base64
import hashlib
import hmac

from bizops.automations.keys import key_of


def signature(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(key_of(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def headers(secrets: list[str], msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(signature(secret, msg_id, timestamp, body) for secret in secrets),
    }
