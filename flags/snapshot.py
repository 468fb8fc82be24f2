"""The in-process snapshot of every flag, so evaluating one costs no database or cache call.

Any change to a flag, a scheduled change, an experiment or a client key bumps
``SnapshotVersion`` in the same transaction (``bump_version``), so the new
number is visible exactly when the change commits. A process reads that number
at most once per request, and at most every ``FLAGS_SNAPSHOT_CHECK_INTERVAL``
seconds; when it moved, the snapshot is rebuilt from the database. A change
made in this process drops the local snapshot on commit, so it shows at once.

Time matters too: a rule's ``starts_at``/``ends_at`` and a scheduled kill-switch
change take effect on the second, because a snapshot knows the first moment it
stops being true (``valid_until``) and is rebuilt then.
"""

import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.core.signals import request_finished, request_started
from django.db import DatabaseError, transaction
from django.db.models import F
from django.utils import timezone

from flags import engine
from flags import rules as rule_schema

logger = logging.getLogger(__name__)


@dataclass
class Snapshot:
    version: int
    built_at: datetime  # when this process built it: differs between processes
    valid_until: float  # epoch seconds; rebuild from then on
    flags: dict[str, engine.CompiledFlag]
    definitions: dict[str, dict] = field(default_factory=dict)  # active rules per enabled flag, for payloads
    experiments: dict[str, dict] = field(default_factory=dict)  # running experiments by key
    client_keys: dict[str, bool] = field(default_factory=dict)  # key -> revoked
    # When the flags as served last changed: the version's commit time or a
    # rule/schedule boundary passed since. The same in every process.
    updated_at: datetime | None = None
    _payload: dict | None = None
    _body: bytes | None = None
    _served: dict = field(default_factory=dict)  # client key -> payload.Served


_lock = threading.Lock()
_local = threading.local()
_snapshot: Snapshot | None = None
_last_check = 0.0
_last_flush = time.monotonic()
_quiet_until = 0.0  # monotonic time before which current() returns the snapshot unchecked


def _request_started(**kwargs) -> None:
    _local.in_request = True
    _local.check_pending = True


def _request_finished(**kwargs) -> None:
    _local.in_request = False


request_started.connect(_request_started, dispatch_uid="flags.snapshot.request_started")
request_finished.connect(_request_finished, dispatch_uid="flags.snapshot.request_finished")


def bump_version() -> None:
    """Record that flags changed: call inside the transaction that changes them."""
    from flags.models import SnapshotVersion

    updated = SnapshotVersion.objects.filter(pk=1).update(version=F("version") + 1, changed_at=timezone.now())
    if not updated:
        SnapshotVersion.objects.get_or_create(pk=1, defaults={"version": 1})
    transaction.on_commit(invalidate_local)


def invalidate_local() -> None:
    global _snapshot, _quiet_until
    with _lock:
        _quiet_until = 0.0
        _flush_seen(_snapshot)
        _snapshot = None


def read_version() -> int:
    from flags.models import SnapshotVersion

    return SnapshotVersion.objects.filter(pk=1).values_list("version", flat=True).first() or 0


def current() -> Snapshot | None:
    """The snapshot to evaluate with; checks the version when due (see the module doc)."""
    global _snapshot, _last_check, _quiet_until
    snap = _snapshot
    now = time.monotonic()
    if snap is not None and now < _quiet_until:
        return snap  # the hot path: nothing can be due before then
    if snap is not None:
        if now - _last_flush >= settings.FLAGS_LAST_EVALUATED_INTERVAL:
            _flush_seen(snap)
        if time.time() < snap.valid_until:
            if now - _last_check < settings.FLAGS_SNAPSHOT_CHECK_INTERVAL:
                return snap
            if getattr(_local, "in_request", False) and not _local.check_pending:
                return snap  # already checked during this request
    _local.check_pending = False
    with _lock:
        _last_check = now
        try:
            version = read_version()
            if _snapshot is None or _snapshot.version != version or time.time() >= _snapshot.valid_until:
                _flush_seen(_snapshot)
                _snapshot = build(version)
        except DatabaseError:
            # Serve the last known flags rather than fail the request.
            logger.exception("flags: could not refresh the flag snapshot; serving the previous one")
        if _snapshot is not None:
            # Until the next version check, flush of usage stamps or schedule
            # boundary, current() is a single clock comparison.
            _quiet_until = min(
                now + settings.FLAGS_SNAPSHOT_CHECK_INTERVAL,
                _last_flush + settings.FLAGS_LAST_EVALUATED_INTERVAL,
                now + max(0.0, _snapshot.valid_until - time.time()),
            )
        return _snapshot


def _flush_seen(snap: Snapshot | None) -> None:
    """Write the sampled last-evaluated time of the flags evaluated since the last write."""
    global _last_flush
    _last_flush = time.monotonic()
    if snap is None:
        return
    keys = [key for key, compiled in snap.flags.items() if compiled.seen]
    if not keys:
        return
    for key in keys:
        snap.flags[key].seen = False
    from flags.models import Flag

    try:
        # update(): no history record and no version bump for a usage stamp.
        Flag.objects.filter(key__in=keys).update(last_evaluated_at=timezone.now())
    except DatabaseError:
        logger.exception("flags: could not record when flags were last evaluated")


def build(version: int | None = None) -> Snapshot:
    """Compile every flag, as it stands now, from the database."""
    from flags.models import ClientKey, Experiment, Flag, ScheduledChange, SnapshotVersion

    if version is None:
        version = read_version()
    now = timezone.now()
    changed_at = SnapshotVersion.objects.filter(pk=1).values_list("changed_at", flat=True).first()
    boundaries: list[datetime] = []
    passed: list[datetime] = [changed_at] if changed_at else []
    enabled_now: dict[int, bool] = {}
    for change in ScheduledChange.objects.filter(applied_at=None).order_by("at", "pk"):
        if change.at <= now:
            enabled_now[change.flag_id] = change.enabled  # due, not yet recorded by the task
            passed.append(change.at)
        else:
            boundaries.append(change.at)
    experiments = {
        e.key: {"id": e.pk, "key": e.key, "name": e.name, "variants": e.variants, "flag_id": e.flag_id}
        for e in Experiment.objects.filter(status=Experiment.Status.RUNNING).exclude(variants=[])
    }
    snap = Snapshot(
        version=version, built_at=now, valid_until=float("inf"), flags={}, experiments=experiments
    )
    for flag in Flag.objects.all():
        enabled = enabled_now.get(flag.pk, flag.enabled)
        active = []
        for rule in flag.rules:
            starts, ends = rule_schema.window(rule)
            boundaries += [moment for moment in (starts, ends) if moment and moment > now]
            passed += [moment for moment in (starts, ends) if moment and moment <= now]
            if not rule_schema.is_active(rule, now):
                continue
            experiment = experiments.get(rule.get("experiment"))
            if "experiment" in rule and (experiment is None or experiment["flag_id"] != flag.pk):
                continue  # only a running experiment of this flag assigns users
            active.append(rule)
        compiled = tuple(
            engine.compile_experiment_rule(
                rule, rule["experiment"], experiments[rule["experiment"]]["variants"]
            )
            if "experiment" in rule
            else engine.compile_value_rule(flag.key, rule)
            for rule in active
        )
        for experiment in experiments.values():
            if experiment["flag_id"] == flag.pk:
                experiment["flag_key"] = flag.key
        snap.flags[flag.key] = engine.CompiledFlag(flag.key, enabled, flag.default_value, compiled)
        if enabled:
            snap.definitions[flag.key] = {"default": flag.default_value, "rules": active}
    snap.client_keys = dict(ClientKey.objects.values_list("key", "revoked_at"))
    snap.client_keys = {key: revoked is not None for key, revoked in snap.client_keys.items()}
    if boundaries:
        snap.valid_until = min(boundaries).timestamp()
    snap.updated_at = max(passed) if passed else None
    return snap


def reset() -> None:
    """Forget the snapshot (tests, and after a fork)."""
    global _snapshot, _last_check, _quiet_until
    with _lock:
        _snapshot = None
        _last_check = 0.0
        _quiet_until = 0.0
