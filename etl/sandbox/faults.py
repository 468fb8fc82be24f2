"""Faults the sandbox injects on request, to prove the connectors survive them.

Register one with ``SandboxHandle.inject(kind, ...)``, ``POST /_sandbox/faults``
(JSON with the same fields), or for a single request with the
``X-Sandbox-Fault: <kind>`` header or the ``sandbox_fault=<kind>`` parameter.

``after`` lets that many matching requests through first (a fault mid-paging),
``times`` is how often it fires (0: every time from then on).
"""

import threading
from dataclasses import asdict, dataclass

KINDS = {
    "429": "HTTP 429 with Retry-After",
    "500": "HTTP 500",
    "timeout": "stall longer than the client's read timeout, then answer",
    "truncated": "a 200 whose JSON body is cut in half",
    "expired_token": "the provider's own expired-token error",
    "meta_17": "Meta error 17 (user request limit) with usage headers",
    "meta_80000": "Meta error 80000 (ads insights limit) with usage headers",
    "meta_usage": "a normal Meta answer whose usage headers say 90% used",
    "tiktok_40100": "TikTok code 40100 (QPS limit) in an HTTP 200",
    "shopify_throttled": "empty Shopify's cost bucket, so the query is THROTTLED",
    "hold": "hold the request until released (handle.release() or POST /_sandbox/release), then answer",
}
PROVIDERS = {"any", "meta", "tiktok", "shopify", "download"}


@dataclass
class Fault:
    kind: str
    provider: str = "any"
    path: str = ""
    after: int = 0
    times: int = 1
    retry_after: float = 1.0
    delay: float = 2.0
    regain_minutes: float = 0.0
    seen: int = 0
    fired: int = 0

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault {self.kind!r}; known: {', '.join(sorted(KINDS))}")
        if self.provider not in PROVIDERS:
            raise ValueError(f"unknown provider {self.provider!r}; known: {', '.join(sorted(PROVIDERS))}")

    def matches(self, provider: str, path: str) -> bool:
        return self.provider in ("any", provider) and self.path in path


class FaultBook:
    def __init__(self):
        self.lock = threading.Lock()
        self.faults: list[Fault] = []

    def add(self, fault: Fault) -> None:
        with self.lock:
            self.faults.append(fault)

    def clear(self) -> None:
        with self.lock:
            self.faults.clear()

    def take(self, provider: str, path: str, one_shot: str | None = None) -> Fault | None:
        """The fault to apply to this request, if any (counting it as fired)."""
        if one_shot:
            return Fault(one_shot, provider)
        with self.lock:
            for fault in self.faults:
                if not fault.matches(provider, path):
                    continue
                fault.seen += 1
                if fault.seen <= fault.after or (fault.times and fault.fired >= fault.times):
                    continue
                fault.fired += 1
                return fault
        return None

    def describe(self) -> list[dict]:
        with self.lock:
            return [asdict(f) for f in self.faults]
