"""The retry schedule (``WEBHOOK_RETRY_SCHEDULE``) and its jitter.

The schedule lists the waits before each retry ("5s,1m,5m,30m,1h,2h,4h,8h,8h":
nine retries after the first attempt, 23 h 36 min in all before jitter); a
delivery that fails the last one is given up. Each wait is stretched or
shrunk at random by up to ``WEBHOOK_RETRY_JITTER`` (a share), so endpoints
that failed together are not retried in one burst.
"""

import random
import re
from datetime import timedelta

from django.conf import settings

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd])\s*$")
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str) -> timedelta:
    match = _DURATION.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a duration like 30s, 5m, 2h or 1d")
    return timedelta(seconds=float(match[1]) * _UNIT[match[2]])


def schedule() -> list[timedelta]:
    return [parse_duration(item) for item in settings.WEBHOOK_RETRY_SCHEDULE]


def max_attempts() -> int:
    return len(settings.WEBHOOK_RETRY_SCHEDULE) + 1


def wait_before_retry(attempts_made: int, rng: random.Random | None = None) -> timedelta | None:
    """The wait before the next attempt after ``attempts_made`` failed ones; None when given up."""
    waits = schedule()
    if attempts_made > len(waits):
        return None
    base = waits[attempts_made - 1].total_seconds()
    jitter = settings.WEBHOOK_RETRY_JITTER
    return timedelta(seconds=base * (1 + (rng or random).uniform(-jitter, jitter)))
