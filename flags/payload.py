"""The flags in GrowthBook's SDK payload format, so a GrowthBook SDK can use this service directly.

    {"status": 200, "features": {"new-checkout": {"defaultValue": false, "rules": [
        {"condition": {"country": {"$in": ["CA"]}}, "force": true},
        {"force": true, "coverage": 0.5, "hashAttribute": "id", "seed": "new-checkout", "hashVersion": 2},
        {"key": "checkout-copy", "seed": "checkout-copy", "hashVersion": 2, "hashAttribute": "id",
         "variations": [false, true], "weights": [0.5, 0.5], "coverage": 1, "meta": [...]}]}},
     "dateUpdated": "2026-03-01T09:00:00+00:00"}

Switched-off flags are left out, as GrowthBook leaves out a feature turned off
in an environment: SDKs then give the caller's fallback.
"""

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from flags import conditions
from flags.snapshot import Snapshot


def _rule(flag_key: str, rule: dict, experiments: dict[str, dict]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    condition = conditions.to_growthbook(rule.get("conditions", []))
    if condition is not None:
        out["condition"] = condition
    if "experiment" in rule:
        experiment = experiments[rule["experiment"]]
        variants = experiment["variants"]
        out.update(
            key=experiment["key"],
            name=experiment["name"],
            seed=experiment["key"],
            hashVersion=2,
            hashAttribute=rule.get("hash_attribute", "id"),
            variations=[v["value"] for v in variants],
            weights=[float(v["weight"]) for v in variants],
            coverage=rule.get("coverage", 100) / 100,
            meta=[{"key": v["key"], "name": v.get("name") or v["key"]} for v in variants],
            phase="0",
        )
        return out
    out["force"] = rule["value"]
    if "percentage" in rule:
        out.update(
            coverage=rule["percentage"] / 100,
            hashAttribute=rule.get("hash_attribute", "id"),
            seed=rule.get("seed") or flag_key,
            hashVersion=2,
        )
    return out


def features(snap: Snapshot) -> dict[str, dict]:
    return {
        key: {
            "defaultValue": definition["default"],
            "rules": [_rule(key, rule, snap.experiments) for rule in definition["rules"]],
        }
        for key, definition in snap.definitions.items()
    }


def sdk_payload(snap: Snapshot) -> dict[str, Any]:
    """The payload of ``GET /flags/sdk/<key>.json`` (built once per snapshot)."""
    if snap._payload is None:
        snap._payload = {
            "status": 200,
            "features": features(snap),
            "experiments": [],
            "dateUpdated": date_updated(snap),
        }
    return snap._payload


def date_updated(snap: Snapshot) -> str | None:
    return snap.updated_at.isoformat() if snap.updated_at else None


def sdk_body(snap: Snapshot) -> bytes:
    """The payload as served (built once per snapshot)."""
    if snap._body is None:
        snap._body = json.dumps(sdk_payload(snap), separators=(",", ":")).encode()
    return snap._body


def etag(snap: Snapshot, client_key: str) -> str:
    """The same in every process serving the same flags: a hash of the version, the
    client key and the payload bytes, nothing a process makes up (like its build time),
    so a client revalidating against another worker still gets its 304."""
    digest = hashlib.sha256(f"{snap.version}:{client_key}:".encode() + sdk_body(snap))
    return f'"flags-{snap.version}-{digest.hexdigest()[:32]}"'


@dataclass(frozen=True)
class Served:
    """What the endpoint answers one client key: the bytes and their ETag."""

    body: bytes
    etag: str


def served(snap: Snapshot, client_key: str) -> Served:
    """The answer for ``client_key``, made once per snapshot (so once per flags version, and
    again only when a rule's time window opens or closes) and then read from memory: the
    endpoint's per-request work is a dictionary lookup and the response headers."""
    answer = snap._served.get(client_key)
    if answer is None:
        answer = snap._served[client_key] = Served(sdk_body(snap), etag(snap, client_key))
    return answer
