"""Exposures (who saw which variant) and conversions (who did what).

An exposure is stored once per user and experiment: the first assignment
wins and later ones are ignored, both here (a bounded in-process memory, so a
returning user costs no write) and in the database (a unique constraint with
``ON CONFLICT DO NOTHING``, so several processes never double count).
"""

import logging
import threading
from collections import OrderedDict
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone

from flags import engine, snapshot

logger = logging.getLogger(__name__)
RECENT_LIMIT = 100_000
_recent: OrderedDict[tuple[str, str], None] = OrderedDict()
_recent_lock = threading.Lock()


def record_exposure(exposure: engine.Exposure) -> None:
    token = (exposure.experiment, exposure.user_key)
    if token in _recent:
        return
    from flags.models import Exposure

    snap = snapshot.current()
    experiment = snap.experiments.get(exposure.experiment) if snap is not None else None
    if experiment is None:
        return
    try:
        # A savepoint: inside the caller's transaction a failed insert would
        # otherwise leave it unusable ("current transaction is aborted").
        with transaction.atomic():
            Exposure.objects.bulk_create(
                [
                    Exposure(
                        experiment_id=experiment["id"], user_key=exposure.user_key, variant=exposure.variant
                    )
                ],
                ignore_conflicts=True,
            )
    except DatabaseError:
        # Never fail the page that evaluated the flag; the next evaluation retries.
        logger.exception("flags: could not record an exposure to %s", exposure.experiment)
        return
    with _recent_lock:
        _recent[token] = None
        while len(_recent) > RECENT_LIMIT:
            _recent.popitem(last=False)


def forget_recent() -> None:
    with _recent_lock:
        _recent.clear()


def user_key(who: Any, hash_attribute: str = "id") -> str:
    """The key a user is counted under: the value of the hash attribute."""
    if isinstance(who, dict):
        return engine.hash_value(who.get(hash_attribute))
    if isinstance(who, str):
        return who
    return str(who.pk) if getattr(who, "is_authenticated", False) else ""


def track_conversion(
    who: Any,
    metric: str,
    *,
    value: Decimal | int = 1,
    at: datetime | None = None,
    ref: str = "",
) -> bool:
    """Record that ``who`` converted on ``metric`` (e.g. "signup"); returns False
    when ``ref`` (an idempotency key) was already recorded for that metric."""
    from flags.models import Conversion

    key = user_key(who)
    if not key:
        raise ValueError("a conversion needs a user: pass a user, an id or attributes with an id")
    try:
        with transaction.atomic():
            Conversion.objects.create(
                user_key=key,
                metric=metric,
                value=Decimal(value),
                occurred_at=at or timezone.now(),
                source=Conversion.Source.CODE,
                ref=ref,
            )
    except IntegrityError:
        return False
    return True
