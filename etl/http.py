"""The one HTTP layer the three connectors share.

A ``requests.Session`` per run with connect/read timeouts. Each connector
gives a ``classify`` function that turns a response into data or raises:
``TransientError`` (retried with capped exponential backoff and jitter, or
after the wait the provider asked for), ``AuthError`` or ``ProviderError``
(raised at once). A connector may also ask for a pause before its next
request (``pause``), which is how it slows down before a limit instead of
hitting it. Every wait is counted, so a run can report its throttling.

Secrets never reach a message: requests carry tokens in headers only, URLs
in messages lose their query strings, and every message is redacted.
"""

import json
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests

from etl.conf import HttpConf
from etl.errors import AuthError, ProviderError, TransientError

log = logging.getLogger(__name__)

BACKOFF_BASE = 1.0


@dataclass
class WaitStats:
    throttle_waits: int = 0
    seconds_waited: float = 0.0
    retries: int = 0
    # The highest share of the provider's quota in use that its answers reported (0-100), if any.
    peak_quota_pct: float | None = None

    def saw_quota(self, used_pct: float) -> None:
        used = round(max(0.0, min(100.0, used_pct)), 1)
        self.peak_quota_pct = used if self.peak_quota_pct is None else max(self.peak_quota_pct, used)


def where(url: str) -> str:
    """The URL without its query string: enough to say where, never a token."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def parse_json(response: requests.Response, provider: str) -> Any:
    try:
        return response.json()
    except (ValueError, json.JSONDecodeError) as exc:
        # A body cut short by a proxy or a dropped connection: worth another try.
        raise TransientError(
            f"{provider} answered HTTP {response.status_code} with a truncated or invalid JSON body "
            f"({len(response.content)} bytes) from {where(response.url)}"
        ) from exc


def retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None  # an HTTP date: fall back to our own backoff


class HttpClient:
    def __init__(
        self,
        conf: HttpConf,
        *,
        provider: str,
        headers: dict[str, str],
        sleep: Callable[[float], None] = time.sleep,
        rng: Callable[[], float] = random.random,
        stats: WaitStats | None = None,
    ):
        self.conf = conf
        self.provider = provider
        self.session = requests.Session()
        self.session.headers.update({"Accept": "application/json", "User-Agent": "bizops-etl/1.0", **headers})
        self.sleep_fn = sleep
        self.rng = rng
        self.stats = stats or WaitStats()
        self._pause = 0.0

    def close(self) -> None:
        self.session.close()

    def pause(self, seconds: float) -> None:
        """Wait this long before the next request (slowing down before a limit)."""
        self._pause = max(self._pause, seconds)

    def wait(self, seconds: float, reason: str) -> None:
        if seconds <= 0:
            return
        if seconds > self.conf.max_wait:
            raise ProviderError(
                f"{self.provider} asks to wait {seconds:.0f} s ({reason}), longer than ETL_HTTP_MAX_WAIT="
                f"{self.conf.max_wait:.0f} s: run the pull again later"
            )
        log.info("%s: waiting %.1f s (%s)", self.provider, seconds, reason)
        self.stats.throttle_waits += 1
        self.stats.seconds_waited += seconds
        self.sleep_fn(seconds)

    def backoff(self, attempt: int) -> float:
        # Exponential with "equal jitter": never zero, never in lockstep with another client.
        ceiling = min(self.conf.backoff_max, BACKOFF_BASE * 2**attempt)
        return ceiling / 2 + self.rng() * ceiling / 2

    def request(
        self,
        method: str,
        url: str,
        classify: Callable[[requests.Response], Any],
        *,
        params: dict | None = None,
        json_body: dict | None = None,
        stream: bool = False,
    ) -> Any:
        last: TransientError | None = None
        for attempt in range(self.conf.max_retries + 1):
            if self._pause:
                pause, self._pause = self._pause, 0.0
                self.wait(pause, "slowing down before the rate limit")
            try:
                response = self.session.request(
                    method,
                    url,
                    params=params,
                    json=json_body,
                    timeout=(self.conf.connect_timeout, self.conf.read_timeout),
                    stream=stream,
                )
                return classify(response)
            except (AuthError, ProviderError):
                raise
            except TransientError as exc:
                last = exc
            except requests.Timeout:
                last = TransientError(f"{self.provider} did not answer in time ({where(url)})")
            except requests.ConnectionError as exc:
                # A read cut short mid-body also lands here (ChunkedEncodingError).
                last = TransientError(
                    f"{self.provider} connection failed ({type(exc).__name__}) at {where(url)}"
                )
            if attempt == self.conf.max_retries:
                break
            self.stats.retries += 1
            if last.wait is not None:
                # The provider said how long: honour it, plus a little jitter.
                self.wait(last.wait + self.rng() * 0.25, str(last))
            else:
                self.wait(self.backoff(attempt), str(last))
        raise ProviderError(f"{self.provider}: gave up after {self.conf.max_retries + 1} attempts: {last}")
