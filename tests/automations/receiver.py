"""A real HTTP receiver on 127.0.0.1 that verifies every delivery with the ``standardwebhooks`` package.

Each path is one endpoint with its secret; a path can be scripted to answer
some statuses first (``fail``) or to hold a request until the test releases
it (``hold``), then drop the connection without answering.
"""

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks import Webhook, WebhookVerificationError


@dataclass
class Received:
    path: str
    webhook_id: str
    timestamp: str
    signature: str
    host: str
    body: bytes
    verified: bool
    status: int | None  # None: held, then dropped without an answer
    error: str = ""


@dataclass
class Receiver:
    port: int = 0
    secrets: dict[str, str] = field(default_factory=dict)
    scripts: dict[str, list[int]] = field(default_factory=dict)
    answers: dict[str, bytes] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    held: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    hold_paths: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def on(self, path: str, secret: str, *, fail: list[int] | None = None) -> str:
        self.secrets[path] = secret
        self.scripts[path] = list(fail or [])
        return self.url(path)

    def at(self, path: str) -> list[Received]:
        with self.lock:
            return [r for r in self.received if r.path == path]

    def accepted(self, path: str) -> list[Received]:
        return [r for r in self.at(path) if r.verified and r.status is not None and 200 <= r.status < 300]

    def handle(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("content-length", 0))
        body = handler.rfile.read(length)
        path = handler.path
        headers = {k.lower(): v for k, v in handler.headers.items()}
        verified, error = False, ""
        try:
            Webhook(self.secrets[path]).verify(body, headers)
            verified = True
        except (WebhookVerificationError, ValueError, KeyError) as exc:
            error = f"{type(exc).__name__}: {exc}"
        record = Received(
            path,
            headers.get("webhook-id", ""),
            headers.get("webhook-timestamp", ""),
            headers.get("webhook-signature", ""),
            headers.get("host", ""),
            body,
            verified,
            None,
            error,
        )
        if path in self.hold_paths:
            self.hold_paths.discard(path)
            with self.lock:
                self.received.append(record)
            self.held.set()
            self.release.wait(60)
            handler.close_connection = True
            return
        with self.lock:
            script = self.scripts.get(path) or []
            status = 400 if not verified else (script.pop(0) if script else 200)
            record.status = status
            self.received.append(record)
        answer = self.answers.get(path, b"bad signature" if not verified else b"ok")
        handler.send_response(status)
        if 300 <= status < 400:
            handler.send_header("Location", self.url("/redirected"))
        handler.send_header("Content-Length", str(len(answer)))
        handler.end_headers()
        handler.wfile.write(answer)


def serve(receiver: Receiver):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body leave in one write: two small ones meet Nagle and delayed ACKs (40 ms each).
        wbufsize = 64 * 1024

        def do_POST(self):
            receiver.handle(self)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", receiver.port), Handler)
    server.daemon_threads = True
    receiver.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server
