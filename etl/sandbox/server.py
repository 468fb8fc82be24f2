"""The sandbox HTTP server: all three APIs on one port of 127.0.0.1.

    handle = start(port=0, seed=1, days=90)
    handle.base_url            # point META_/TIKTOK_/SHOPIFY_API_BASE_URL here
    handle.inject("429", provider="meta", after=2)
    handle.stop()

Control endpoints: ``POST /_sandbox/faults`` (JSON fault, see
``etl.sandbox.faults``), ``DELETE /_sandbox/faults``, ``GET /_sandbox/stats``,
``POST /_sandbox/bucket`` ({"maximum": .., "restore_rate": ..}),
``POST /_sandbox/release`` (lets requests held by a ``hold`` fault go on).

A ``hold`` fault lets a test act while a client is inside a request:

    handle.inject("hold", provider="meta")
    ...start the pull...
    assert handle.wait_until_held(timeout=30)
    ...the pull is mid-request...
    handle.release()
"""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from etl.sandbox import meta_api, tiktok_api
from etl.sandbox.data import ACCOUNTS, SandboxData
from etl.sandbox.faults import Fault, FaultBook
from etl.sandbox.replies import Reply
from etl.sandbox.shopify_api import LeakyBucket, ShopifyApi

SHOP = "bizops-demo"
# A held request gives up waiting after this long, so a test that never
# releases it cannot hang the server for good.
HOLD_LIMIT_SECONDS = 300
TOKEN = "sandbox-token-not-a-secret"  # noqa: S105 (the sandbox accepts any token)


class Sandbox:
    def __init__(self, data: SandboxData, bucket: LeakyBucket, bulk_seconds: float):
        self.data = data
        self.faults = FaultBook()
        self.bucket = bucket
        self.bulk_seconds = bulk_seconds
        self.shopify: ShopifyApi | None = None
        self.lock = threading.Lock()
        self.counts: dict[str, int] = {}
        self.statuses: dict[str, int] = {}
        self.token_in_url = 0
        self.held = 0
        self.entered = threading.Event()
        self.released = threading.Event()

    def arm_hold(self) -> None:
        self.entered.clear()
        self.released.clear()

    def hold(self) -> None:
        """Block this request until released (or the hold limit passes)."""
        with self.lock:
            self.held += 1
        self.entered.set()
        try:
            self.released.wait(HOLD_LIMIT_SECONDS)
        finally:
            with self.lock:
                self.held -= 1

    def count(self, provider: str, status: int) -> None:
        with self.lock:
            self.counts[provider] = self.counts.get(provider, 0) + 1
            key = f"{provider}:{status}"
            self.statuses[key] = self.statuses.get(key, 0) + 1

    def stats(self) -> dict:
        with self.lock:
            return {
                "requests": dict(self.counts),
                "statuses": dict(self.statuses),
                "token_in_url": self.token_in_url,
                "held": self.held,
                "shopify_throttled": self.bucket.throttled,
                "shopify_points_spent": self.bucket.spent,
                "bucket": self.bucket.status(),
                "faults": self.faults.describe(),
            }


def provider_of(path: str) -> str:
    if path.startswith("/admin/api/"):
        return "shopify"
    if path.startswith("/open_api/"):
        return "tiktok"
    if path.startswith("/_sandbox/bulk/"):
        return "download"
    if path.startswith("/v") and "/act_" in path:
        return "meta"
    return "control" if path.startswith("/_sandbox/") else "unknown"


class Handler(BaseHTTPRequestHandler):
    box: Sandbox
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):
        pass  # quiet: tests and the demo read the connectors' progress instead

    def do_GET(self):
        self.dispatch("GET")

    def do_POST(self):
        self.dispatch("POST")

    def do_DELETE(self):
        self.dispatch("DELETE")

    def dispatch(self, method: str) -> None:
        parts = urlsplit(self.path)
        path, query = parts.path, dict(parse_qsl(parts.query))
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        provider = provider_of(path)
        if provider == "control":
            return self.send(self.control(method, path, body))
        if "access_token" in query:
            with self.box.lock:
                self.box.token_in_url += 1
        one_shot = self.headers.get("X-Sandbox-Fault") or query.pop("sandbox_fault", None)
        fault = self.box.faults.take(provider, path, one_shot)
        if fault and fault.kind == "hold":
            self.box.hold()
        reply = self.generic_fault(fault)
        if reply is None:
            reply = self.route(provider, path, query, body, fault)
        self.box.count(provider, reply.status)
        if fault and fault.kind == "timeout":
            time.sleep(fault.delay)
        self.send(reply, truncate=bool(fault and fault.kind == "truncated"))

    def generic_fault(self, fault: Fault | None) -> Reply | None:
        if fault is None:
            return None
        if fault.kind == "429":
            message = (
                "Exceeded 2 calls per second for api client. "
                "Reduce request rates to resume uninterrupted service."
            )
            return Reply(429, {"errors": message}, {"Retry-After": f"{fault.retry_after:g}"})
        if fault.kind == "500":
            return Reply(500, {"errors": "Internal Server Error"})
        return None

    def route(self, provider: str, path: str, query: dict, body: bytes, fault: Fault | None) -> Reply:
        box = self.box
        if provider == "meta":
            return meta_api.handle(box.data, path, query, self.headers, fault)
        if provider == "tiktok":
            return tiktok_api.handle(box.data, path, query, self.headers, fault)
        if provider == "shopify":
            return box.shopify.handle(path, self.headers, body, fault)
        if provider == "download":
            content = box.shopify.bulk_file(path.rsplit("/", 1)[-1].removesuffix(".jsonl"))
            return Reply(200, content) if content is not None else Reply(404, {"error": "no such file"})
        return Reply(404, {"error": f"the sandbox does not serve {path}"})

    def control(self, method: str, path: str, body: bytes) -> Reply:
        box = self.box
        try:
            if path == "/_sandbox/faults" and method == "POST":
                fault = Fault(**json.loads(body or b"{}"))
                if fault.kind == "hold":
                    box.arm_hold()
                box.faults.add(fault)
                return Reply(201, {"faults": box.faults.describe()})
            if path == "/_sandbox/release" and method == "POST":
                box.released.set()
                return Reply(200, {"released": True})
            if path == "/_sandbox/faults" and method == "DELETE":
                box.faults.clear()
                box.released.set()
                return Reply(200, {"faults": []})
            if path == "/_sandbox/bucket" and method == "POST":
                settings = json.loads(body or b"{}")
                box.bucket.configure(settings.get("maximum", 2000), settings.get("restore_rate", 100))
                return Reply(200, box.bucket.status())
            if path == "/_sandbox/stats":
                return Reply(200, box.stats())
        except (TypeError, ValueError) as exc:
            return Reply(400, {"error": str(exc)})
        return Reply(404, {"error": f"unknown control endpoint {method} {path}"})

    def send(self, reply: Reply, *, truncate: bool = False) -> None:
        payload = reply.body if isinstance(reply.body, bytes) else json.dumps(reply.body).encode()
        if truncate:
            payload = payload[: max(1, len(payload) // 2)]
        content_type = (
            "application/jsonl" if isinstance(reply.body, bytes) else "application/json; charset=utf-8"
        )
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout fault): nothing to tell it


class SandboxHandle:
    def __init__(self, server: ThreadingHTTPServer, box: Sandbox, thread: threading.Thread):
        self.server, self.box, self.thread = server, box, thread
        host, port = server.server_address[:2]
        self.port = port
        self.base_url = f"http://{host}:{port}"

    @property
    def data(self) -> SandboxData:
        return self.box.data

    def inject(self, kind: str, **options) -> Fault:
        fault = Fault(kind, **options)
        if kind == "hold":
            self.box.arm_hold()
        self.box.faults.add(fault)
        return fault

    def wait_until_held(self, timeout: float) -> bool:
        """True once a request is held by a ``hold`` fault (False if none came in ``timeout`` s)."""
        return self.box.entered.wait(timeout)

    def release(self) -> None:
        """Let every request held by a ``hold`` fault go on (and any later one through)."""
        self.box.released.set()

    def clear_faults(self) -> None:
        # Releases held requests too: a test that fails midway must not leave one hanging.
        self.box.faults.clear()
        self.box.released.set()

    def stats(self) -> dict:
        return self.box.stats()

    def configure_bucket(self, maximum: float, restore_rate: float) -> None:
        self.box.bucket.configure(maximum, restore_rate)

    def settings(self) -> dict[str, str]:
        """Settings that point every connector at this sandbox, with its sample accounts."""
        meta = ",".join(a.external_id for a in ACCOUNTS if a.platform == "meta")
        tiktok = ",".join(a.external_id for a in ACCOUNTS if a.platform == "tiktok")
        return {
            "META_API_BASE_URL": self.base_url,
            "META_ACCESS_TOKEN": TOKEN,
            "META_ACCOUNT_ID": meta,
            "TIKTOK_API_BASE_URL": self.base_url,
            "TIKTOK_ACCESS_TOKEN": TOKEN,
            "TIKTOK_ADVERTISER_ID": tiktok,
            "SHOPIFY_API_BASE_URL": self.base_url,
            "SHOPIFY_STORE": SHOP,
            "SHOPIFY_ACCESS_TOKEN": TOKEN,
        }

    def stop(self) -> None:
        self.box.released.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)

    def __enter__(self) -> "SandboxHandle":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def start(
    port: int = 0,
    *,
    seed: int = 1,
    days: int = 90,
    orders_per_day: int = 30,
    bulk_seconds: float = 0.3,
    bucket: tuple[float, float] = (2000.0, 100.0),
    host: str = "127.0.0.1",
) -> SandboxHandle:
    """Serve the sandbox on ``host:port`` (0: a free port) in a background thread."""
    data = SandboxData(seed=seed, days=days, orders_per_day=orders_per_day)
    box = Sandbox(data, LeakyBucket(*bucket), bulk_seconds)
    handler = type("SandboxHandler", (Handler,), {"box": box})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    box.shopify = ShopifyApi(data, f"http://{host}:{server.server_address[1]}", box.bucket, bulk_seconds)
    thread = threading.Thread(target=server.serve_forever, name="etl-sandbox", daemon=True)
    thread.start()
    return SandboxHandle(server, box, thread)
