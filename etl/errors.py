"""What can go wrong in a pull, as exceptions whose message a person can act on.

Messages never carry a secret: they name the setting to fix, not its value,
and every message also passes through ``bizops.redaction.redact``.
"""

from bizops.redaction import redact


class EtlError(Exception):
    """A pull failed; the message says why and what to do."""

    def __init__(self, message: str):
        super().__init__(redact(message))


class ConfigError(EtlError):
    """A setting is missing or malformed; raised before any request."""


class AuthError(EtlError):
    """The provider refused the credentials; retrying cannot help."""


class ProviderError(EtlError):
    """The provider answered with an error that is not transient, or retries ran out."""


class TransientError(EtlError):
    """Worth retrying: rate limits, 5xx, timeouts, truncated bodies.

    ``wait`` is how long the provider asked us to wait, when it said.
    """

    def __init__(self, message: str, *, wait: float | None = None, throttled: bool = False):
        super().__init__(message)
        self.wait = wait
        self.throttled = throttled
