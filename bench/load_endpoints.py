"""Load benchmark: the SDK endpoint and the metrics dashboard under concurrent clients.

    DATABASE_URL=postgres://... python bench/load_endpoints.py \\
        [--clients 20] [--seconds 3] [--rounds 3] [--baseline REF]

It needs PostgreSQL (the database named by DATABASE_URL is left untouched: a
scratch database ``bench_load_<name>`` is created beside it, migrated, seeded
with flags, a client key, 120 days of metrics and a staff user, and dropped at
the end). It starts gunicorn as the Dockerfile does (3 sync workers, access
log on) with DEBUG=0 behind a TLS proxy (``X-Forwarded-Proto: https``), then
runs ``--clients`` threads on 127.0.0.1 against each URL for ``--seconds``,
``--rounds`` times in turn, and prints requests a second, p50 and p95 for:

- the floor: a bare Django view returning fixed bytes of the payload's size,
  through the same server, settings and middleware (``bench/loadsite``);
- the SDK endpoint, a full answer (200) and a revalidation (304);
- the metrics dashboard for the last 30 days, logged in as staff.

and the SDK endpoint's ratio to the floor (target: at most 1.3). With
``--baseline REF`` the same URLs are measured again, in the same run, on the
code of that git revision (exported with ``git archive``), its rounds
interleaved with this checkout's.
"""

import argparse
import http.client
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SERVER_ENV = {
    "DJANGO_SETTINGS_MODULE": "bench.loadsite.settings",
    "DEBUG": "0",
    "SECRET_KEY": "bench-only-secret-key-not-used-anywhere-else-0123456789abcdef",
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "SECURE_PROXY_SSL_HEADER": "1",
    "REDIS_URL": "",
    "LOG_LEVEL": "WARNING",
}
PROXY_HEADERS = {"Host": "127.0.0.1", "X-Forwarded-Proto": "https"}
DASHBOARD = "/admin/dashboards/metrics/?range=30"


def scratch_url(url: str) -> tuple[str, str, str]:
    """The scratch database's URL and name, and the server's maintenance database to create it from."""
    parts = urlsplit(url)
    name = "bench_load_" + (parts.path.lstrip("/") or "postgres")
    maintenance = urlunsplit(parts._replace(path="/postgres"))
    return urlunsplit(parts._replace(path="/" + name)), name, maintenance


def admin_execute(url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql)


def seed() -> tuple[str, str]:
    """Flags, a client key, daily metrics and a staff session; returns (client key, session id)."""
    from django.core.management import call_command
    from django.test import Client
    from django.utils import timezone

    from etl.metrics.days import yesterday
    from etl.models import Channel, DailyMetric
    from etl.pipeline import METRICS_JOB
    from flags.models import ClientKey, Flag
    from health.models import JobRun
    from tests.factories import UserFactory

    call_command("migrate", verbosity=0)
    for n in range(40):
        rules = [{"percentage": 10 + n, "value": True}]
        if n % 3 == 0:
            condition = {"attribute": "country", "operator": "in", "value": ["CA", "US"]}
            rules.insert(0, {"conditions": [condition], "value": True})
        Flag.objects.create(key=f"flag-{n:02d}", description="A flag.", enabled=n % 7 != 0, rules=rules)
    key = ClientKey.objects.create(name="storefront").key
    until = yesterday()
    rows = []
    for n in range(120):
        day = until - timedelta(days=n)
        for channel in Channel.values:
            spend = Decimal(0) if channel == Channel.ORGANIC else Decimal(100 + n)
            row = DailyMetric(
                date=day, channel=channel, currency="USD", spend=spend, impressions=9000, clicks=150
            )
            if channel == Channel.ALL:
                row.orders, row.net_sales, row.gross_sales = 20 + n % 5, Decimal(900 + n), Decimal(950 + n)
            rows.append(row)
    DailyMetric.objects.bulk_create(rows)
    finished = timezone.now()
    JobRun.objects.create(
        job=METRICS_JOB,
        trigger="cron",
        status=JobRun.Status.SUCCEEDED,
        finished_at=finished,
        duration=timedelta(0),
    )
    client = Client()
    client.force_login(UserFactory(username="bench-staff", is_staff=True, is_superuser=True))
    return key, client.cookies["sessionid"].value


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def request(conn: http.client.HTTPConnection, path: str, headers: dict) -> tuple[int, bytes, dict]:
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    body = response.read()
    if response.will_close:
        conn.close()  # gunicorn's sync workers answer one request per connection
    return response.status, body, dict(response.getheaders())


class Server:
    """gunicorn as the Dockerfile runs it, from ``tree`` (this checkout or an exported revision)."""

    def __init__(self, tree: Path, env: dict, workers: int):
        self.port = free_port()
        # The manifest storage (DEBUG=0) renders pages only with the static files collected.
        collect = [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"]
        subprocess.run(collect, cwd=tree, env=env, check=True)  # noqa: S603 (fixed arguments)
        command = [sys.executable, "-m", "gunicorn", "bizops.wsgi:application"]
        command += ["--bind", f"127.0.0.1:{self.port}", "--workers", str(workers), "--access-logfile", "-"]
        self.process = subprocess.Popen(  # noqa: S603 (fixed arguments)
            command,
            cwd=tree,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited at start: {self.process.stderr.read().decode()[-2000:]}")
            try:
                status, _, _ = request(self.connection(), "/bench/floor.json", PROXY_HEADERS)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError("gunicorn did not answer within 60 s")

    def connection(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def load(server: Server, case: tuple, clients: int, seconds: float) -> tuple[list[float], float]:
    """``clients`` threads, each on its own connection, for ``seconds`` after a short warm-up;
    returns every request's time and the time taken."""
    path, headers, expect = case
    latencies: list[list[float]] = [[] for _ in range(clients)]
    failures: list[str] = []
    start = threading.Barrier(clients + 1)
    stop_at = [float("inf")]

    def client(index: int) -> None:
        conn = server.connection()
        for _ in range(5):  # warm-up: connections, every worker's snapshot and caches
            request(conn, path, headers)
        start.wait()
        mine = latencies[index]
        while True:
            began = time.perf_counter()
            if began >= stop_at[0]:
                break
            status, _, _ = request(conn, path, headers)
            mine.append(time.perf_counter() - began)
            if status != expect:
                failures.append(f"{path}: {status}, expected {expect}")
                break
        conn.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    stop_at[0] = began + seconds
    for thread in threads:
        thread.join()
    if failures:
        raise RuntimeError(failures[0])
    return [t for mine in latencies for t in mine], time.perf_counter() - began


def cases(server: Server, key: str, session: str) -> dict[str, tuple]:
    sdk = f"/flags/sdk/{key}.json"
    _, _, first = request(server.connection(), sdk, PROXY_HEADERS)
    cookie = {**PROXY_HEADERS, "Cookie": f"sessionid={session}"}
    return {
        "floor": ("/bench/floor.json", PROXY_HEADERS, 200),
        "sdk 200": (sdk, PROXY_HEADERS, 200),
        "sdk 304": (sdk, {**PROXY_HEADERS, "If-None-Match": first["ETag"]}, 304),
        "dashboard 30 days": (DASHBOARD, cookie, 200),
    }


def summary(latencies: list[float], elapsed: float) -> dict:
    ordered = sorted(latencies)
    return {
        "rps": len(ordered) / elapsed,
        "p50": statistics.median(ordered) * 1000,
        "p95": ordered[int(len(ordered) * 0.95)] * 1000,
        "count": len(ordered),
    }


def export(ref: str, into: Path) -> Path:
    """The tree of git revision ``ref``, with this checkout's bench site added for the floor view."""
    # The revision is the caller's own argument to their own checkout.
    git = ["git", "archive", ref]
    archive = subprocess.run(git, cwd=ROOT, check=True, capture_output=True).stdout  # noqa: S603
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)  # noqa: S603, S607
    shutil.rmtree(into / "bench" / "loadsite", ignore_errors=True)
    shutil.copytree(ROOT / "bench" / "loadsite", into / "bench" / "loadsite")
    return into


def report(label: str, results: dict[str, dict]) -> None:
    print(f"  {label}")
    for name, r in results.items():
        print(
            f"    {name:<20} {r['rps']:8,.0f} req/s   p50 {r['p50']:6.1f} ms   p95 {r['p95']:6.1f} ms"
            f"   ({r['count']:,} requests)"
        )
    floor = results["floor"]["rps"]
    for name in ("sdk 200", "sdk 304"):
        ratio = floor / results[name]["rps"]
        print(f"    {name} / floor: {ratio:.2f} (time per request; target at most 1.3)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=3.0, help="per URL and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--baseline", help="also measure this git revision (e.g. main), in the same run")
    args = parser.parse_args()
    if not 1 <= args.clients <= 200 or not 0.5 <= args.seconds <= 120 or not 1 <= args.rounds <= 20:
        parser.error("--clients must be 1 to 200, --seconds 0.5 to 120 and --rounds 1 to 20")
    admin_url = os.environ.get("DATABASE_URL", "")
    if not admin_url.startswith(("postgres://", "postgresql://")):
        print(
            "bench/load_endpoints.py needs PostgreSQL: set DATABASE_URL=postgres://user@host:5432/name "
            "(a scratch database bench_load_<name> is created beside it and dropped afterwards)"
        )
        return 2
    url, scratch, admin_url = scratch_url(admin_url)
    admin_execute(admin_url, f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
    admin_execute(admin_url, f'CREATE DATABASE "{scratch}"')
    servers: list[tuple[str, Server]] = []
    temporary = Path(tempfile.mkdtemp(prefix="bench-load-"))
    try:
        os.environ.update(SERVER_ENV, DATABASE_URL=url)
        import django

        django.setup()
        from django.db import connections

        key, session = seed()
        from flags import payload, snapshot

        size = len(payload.sdk_body(snapshot.build()))
        connections.close_all()
        env = {**os.environ, "BENCH_FLOOR_BYTES": str(size), "PYTHONPATH": ""}
        print(
            f"  {args.clients} clients, {args.rounds} rounds of {args.seconds:g} s per URL, "
            f"{args.workers} sync workers, payload {size:,} bytes"
        )
        trees = [("this checkout", ROOT)]
        if args.baseline:
            tree = temporary / "baseline"
            tree.mkdir()
            trees.insert(0, (f"baseline {args.baseline}", export(args.baseline, tree)))
        for index, (label, tree) in enumerate(trees):
            server_env = {**env, "BENCH_STATIC_ROOT": str(temporary / f"static-{index}")}
            servers.append((label, Server(tree, server_env, args.workers)))
        # Every server stays up; each round measures every URL of every server in turn,
        # so a change in the machine's load over the run falls on all of them alike.
        asked = {label: cases(server, key, session) for label, server in servers}
        taken = {label: {name: ([], 0.0) for name in asked[label]} for label, _ in servers}
        for round_ in range(args.rounds):
            for label, server in servers:
                # Each round starts at the next URL: what a URL leaves behind (a worker's
                # garbage after the dashboard, say) does not always fall on the same one.
                order = list(asked[label].items())
                shift = round_ % len(order)
                for name, case in order[shift:] + order[:shift]:
                    latencies, elapsed = load(server, case, args.clients, args.seconds)
                    before, spent = taken[label][name]
                    taken[label][name] = (before + latencies, spent + elapsed)
        for label, _ in servers:
            report(label, {name: summary(*pair) for name, pair in taken[label].items()})
        return 0
    finally:
        for _, server in servers:
            server.stop()
        shutil.rmtree(temporary, ignore_errors=True)
        admin_execute(admin_url, f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')


if __name__ == "__main__":
    sys.exit(main())
