"""Webhook delivery throughput: 1,000 events to 3 endpoints through a real Celery worker on Redis.

    DATABASE_URL=postgres://... REDIS_URL=redis://127.0.0.1:6379/7 python bench/webhooks.py [events]

Runs in its own database (bench_<name>_webhooks on the server DATABASE_URL names),
created, migrated and dropped here. A receiver on 127.0.0.1 (in this process)
verifies every delivery with the standardwebhooks package. Prints, for one run:

- the floor: signed POSTs per second from one plain ``requests`` session to the
  same receiver (no database, no broker), the most one sender can do here;
- in-process: deliveries per second through ``delivery.attempt`` (the
  database writes of the delivery log, no broker), and its ratio to the floor;
- worker: events committed, then the time until every delivery is recorded
  delivered by a real worker (prefork, 2 processes) through Redis: deliveries
  per second, the ratio to the floor, and the count lost or duplicated per
  endpoint (both must be 0).
"""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
EVENTS = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
ENDPOINTS = 3


def refuse(message: str) -> None:
    print(f"webhooks: refused: {message}")
    sys.exit(0)


def configure() -> tuple[str, str]:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        refuse("DATABASE_URL is not a PostgreSQL URL (set DATABASE_URL=postgres://user@host:5432/name)")
    redis_url = os.environ.get("BENCH_REDIS_URL") or os.environ.get("REDIS_URL", "")
    if not redis_url:
        refuse("no Redis for the worker (set REDIS_URL or BENCH_REDIS_URL=redis://127.0.0.1:6379/N)")
    import psycopg

    base, _, name = url.rpartition("/")
    name = name.split("?")[0]
    bench = f"bench_{name}_webhooks"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{bench}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{bench}"')
    os.environ["DATABASE_URL"] = f"{base}/{bench}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bizops.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz")
    os.environ.setdefault("ALLOWED_HOSTS", "localhost")
    os.environ.update(
        REDIS_URL="",  # this process commits events; the worker alone sends
        WEBHOOK_ALLOW_PRIVATE_TARGETS="1",
        WEBHOOK_DELIVER_ON_COMMIT="0",
        LOG_LEVEL="WARNING",
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return url, redis_url


def drop(url: str) -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    name = url.rpartition("/")[2]
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "bench_{name.split("?")[0]}_webhooks" WITH (FORCE)')


def payload(n: int) -> dict:
    return {
        "job": "bench",
        "run_id": n,
        "error": "bench",
        "finished_at": "2026-11-30T06:00:00Z",
        "down_since": "2026-11-30T06:00:00Z",
        "reminder": False,
    }


def make_endpoints(receiver, prefix: str):
    from bizops.automations.models import WebhookEndpoint

    made = []
    for i in range(ENDPOINTS):
        ep = WebhookEndpoint(name=f"{prefix}{i}", event_types=["job.failed"])
        ep.url = receiver.on(f"/{prefix}{i}", ep.secret)
        ep.save()
        made.append(ep)
    return made


def emit_events(count: int) -> list[str]:
    from django.db import transaction

    from bizops.events.outbox import emit

    with transaction.atomic():
        return [emit("job.failed", payload(n)).webhook_id for n in range(count)]


def floor(receiver, count: int) -> float:
    """Signed POSTs per second from one plain session: no database, no broker."""
    import requests

    from bizops.automations import keys, signing

    secret = keys.new_secret()
    url = receiver.on("/floor", secret)
    body = b'{"type":"job.failed","data":{}}'
    session = requests.Session()
    start = time.perf_counter()
    for n in range(count):
        headers = signing.headers([secret], f"msg_{n}", int(time.time()), body)
        session.post(url, data=body, headers={"content-type": "application/json", **headers}, timeout=10)
    return count / (time.perf_counter() - start)


def in_process(receiver, count: int) -> float:
    from bizops.automations import delivery
    from bizops.automations.models import WebhookEndpoint

    make_endpoints(receiver, "inproc")
    emit_events(count // ENDPOINTS)
    ids = delivery.dispatch(limit=count)
    start = time.perf_counter()
    for delivery_id in ids:
        delivery.attempt(delivery_id)
    elapsed = time.perf_counter() - start
    WebhookEndpoint.objects.filter(name__startswith="inproc").update(enabled=False)
    return len(ids) / elapsed


def start_worker(redis_url: str, queue: str, log: Path) -> subprocess.Popen:
    env = {**os.environ, "REDIS_URL": redis_url, "WEBHOOKS_QUEUE": queue, "CONN_MAX_AGE": "60"}
    return subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "bizops",
            "worker",
            "--pool=prefork",
            "--concurrency=2",
            "-Q",
            queue,
            "-n",
            f"{queue}@%h",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )


def through_worker(receiver, redis_url: str) -> tuple[float, list[tuple[int, int]]]:
    from celery import Celery

    from bizops.automations.models import Delivery

    endpoints = make_endpoints(receiver, "worker")
    expected = sorted(emit_events(EVENTS))
    queue = f"bench-webhooks-{os.getpid()}"
    log = Path(tempfile.mkdtemp()) / "worker.log"
    worker = start_worker(redis_url, queue, log)
    client = Celery("bench-client", broker=redis_url, set_as_current=False)
    try:
        deadline = time.monotonic() + 60
        while not client.control.ping(destination=[f"{queue}@{os.uname().nodename}"], timeout=1):
            if worker.poll() is not None or time.monotonic() > deadline:
                sys.exit(f"webhooks: the worker did not start:\n{log.read_text()}")
        start = time.perf_counter()
        client.send_task("automations.sweep", queue=queue)
        total = EVENTS * ENDPOINTS
        mine = Delivery.objects.filter(endpoint__in=endpoints, status="delivered")
        while mine.count() < total:
            if time.perf_counter() - start > 600:
                sys.exit(
                    f"webhooks: only {mine.count():,} of {total:,} delivered in 600 s\n{log.read_text()}"
                )
            time.sleep(0.05)
        elapsed = time.perf_counter() - start
    finally:
        worker.terminate()
        worker.wait(30)
        client.close()
    counts = []
    for ep in endpoints:
        accepted = [r.webhook_id for r in receiver.accepted(f"/{ep.name}")]
        lost = len(set(expected) - set(accepted))
        duplicated = len(accepted) - len(set(accepted))
        counts.append((lost, duplicated))
    return total / elapsed, counts


def main() -> None:
    url, redis_url = configure()
    from tests.automations.receiver import Receiver, serve

    receiver = Receiver()
    server = serve(receiver)
    try:
        base = floor(receiver, 1000)
        inproc = in_process(receiver, 600)
        rate, counts = through_worker(receiver, redis_url)
    finally:
        server.shutdown()
        drop(url)
    print(f"floor: one plain session, signed POSTs to the receiver: {base:,.0f}/s")
    print(
        f"in-process delivery.attempt (log writes, no broker): {inproc:,.0f}/s ({inproc / base:.2f} x floor)"
    )
    total = EVENTS * ENDPOINTS
    print(f"worker (prefork 2, Redis): {EVENTS:,} events x {ENDPOINTS} endpoints = {total:,} deliveries")
    print(f"  at {rate:,.0f}/s ({rate / base:.2f} x floor)")
    for i, (lost, duplicated) in enumerate(counts):
        print(f"  endpoint {i}: lost {lost}, duplicated {duplicated}")
    if any(lost or duplicated for lost, duplicated in counts):
        sys.exit("webhooks: deliveries were lost or duplicated")


if __name__ == "__main__":
    main()
