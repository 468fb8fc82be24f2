"""What code calls: ``flags.is_on(key, who)`` and ``flags.value(key, who, fallback)``.

``who`` is a dict of attributes (``{"id": "42", "country": "CA"}``), a user
(its attributes come from ``attributes_for``) or None (no attributes). An
unknown or switched-off flag is off and gives the caller's fallback, as a
GrowthBook SDK does for a feature it does not have.
"""

import logging
from typing import Any

from flags import engine, snapshot, tracking

logger = logging.getLogger(__name__)
_warned: set[str] = set()


def attributes_for(user: Any) -> dict:
    """The attributes of a Django user: ``id`` (the primary key, as text, as
    front ends send it), ``email``, ``staff`` and ``groups``."""
    if user is None or not getattr(user, "is_authenticated", False):
        return {"loggedIn": False}
    return {
        "id": str(user.pk),
        "email": user.email or None,
        "staff": bool(user.is_staff),
        "groups": sorted(user.groups.values_list("name", flat=True)),
        "loggedIn": True,
    }


def _attributes(who: Any) -> dict:
    if type(who) is dict:
        return who
    if who is None:
        return {}
    if isinstance(who, dict):
        return who
    return attributes_for(who)


def _unknown(key: str) -> None:
    if key not in _warned:
        _warned.add(key)
        logger.warning("flags: unknown flag %r (evaluated as off)", key)


def evaluate(key: str, who: Any = None) -> Any:
    """The flag's value for ``who``, or None when the flag is off or unknown."""
    snap = snapshot.current()
    compiled = snap.flags.get(key) if snap is not None else None
    if compiled is None:
        _unknown(key)
        return None
    result, exposure = engine.evaluate(compiled, _attributes(who))
    if exposure is not None:
        tracking.record_exposure(exposure)
    return result


def is_on(key: str, who: Any = None) -> bool:
    """Whether the flag is on for ``who`` (its value is truthy, as the SDKs' ``isOn``)."""
    snap = snapshot.current()
    compiled = snap.flags.get(key) if snap is not None else None
    if compiled is None:
        _unknown(key)
        return False
    result, exposure = engine.evaluate(compiled, who if type(who) is dict else _attributes(who))
    if exposure is not None:
        tracking.record_exposure(exposure)
    if result is True or result is False or result is None:
        return result is True
    return engine.js_truthy(result)


def value(key: str, who: Any = None, fallback: Any = None) -> Any:
    """The flag's value for ``who``; ``fallback`` when the flag is off, unknown or null."""
    result = evaluate(key, who)
    return fallback if result is None else result


def evaluate_all(who: Any = None) -> dict[str, Any]:
    """Every enabled flag's value for ``who`` (switched-off flags are left out)."""
    snap = snapshot.current()
    if snap is None:
        return {}
    attributes = _attributes(who)
    values = {}
    for key in snap.definitions:
        result, exposure = engine.evaluate(snap.flags[key], attributes)
        if exposure is not None:
            tracking.record_exposure(exposure)
        values[key] = result
    return values


def variant(experiment_key: str, who: Any = None) -> str | None:
    """The variant key ``who`` is assigned in a running experiment (recording the
    exposure), or None when they are not in it."""
    snap = snapshot.current()
    experiment = snap.experiments.get(experiment_key) if snap is not None else None
    if experiment is None:
        return None
    compiled = snap.flags.get(experiment.get("flag_key", ""))
    if compiled is None:
        return None
    _, exposure = engine.evaluate(compiled, _attributes(who))
    if exposure is None or exposure.experiment != experiment_key:
        return None
    tracking.record_exposure(exposure)
    return exposure.variant
