"""Endpoint secrets in the Standard Webhooks form: ``whsec_`` + base64 of 32 random bytes."""

import base64
import secrets

PREFIX = "whsec_"
SECRET_BYTES = 32


def new_secret() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def key_of(secret: str) -> bytes:
    """The HMAC key: the text after ``whsec_``, base64-decoded (the spec signs with the raw bytes)."""
    return base64.b64decode(secret.removeprefix(PREFIX))
