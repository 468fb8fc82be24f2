"""Flag evaluation speed: ours against the growthbook package, and the middleware's cost.

Prints microseconds per evaluation over 100,000 distinct users for a flag with
a 50% rollout (ours through ``flags.is_on``, GrowthBook through one shared
instance fed our SDK payload), their ratio (target: ours at most half), and
the middleware's overhead per request with 50 flags. Median of 3 runs.
"""

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
_db = Path(tempfile.mkdtemp()) / "bench.sqlite3"
os.environ.update(DEBUG="1", DATABASE_URL=f"sqlite:///{_db}", REDIS_URL="", LOG_LEVEL="ERROR")
os.environ["DJANGO_SETTINGS_MODULE"] = "bizops.settings"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.test import RequestFactory  # noqa: E402
from growthbook import GrowthBook  # noqa: E402

import flags  # noqa: E402
from flags import payload, snapshot  # noqa: E402
from flags.middleware import FlagsMiddleware  # noqa: E402
from flags.models import Flag  # noqa: E402

USERS = 100_000
RUNS = 3


def median_us(fn, count: int) -> float:
    timings = []
    for _ in range(RUNS):
        start = time.perf_counter()
        fn()
        timings.append((time.perf_counter() - start) / count * 1e6)
    return statistics.median(timings)


def main() -> None:
    call_command("migrate", verbosity=0)
    Flag.objects.create(key="half", enabled=True, rules=[{"percentage": 50, "value": True}])
    for i in range(49):
        rules = [
            {"conditions": [{"attribute": "country", "operator": "in", "value": ["CA", "US"]}], "value": True}
        ]
        Flag.objects.create(
            key=f"flag-{i}", enabled=True, rules=rules if i % 2 else [{"percentage": 20, "value": True}]
        )
    snap = snapshot.current()
    ids = [f"user-{i}" for i in range(USERS)]
    users = [{"id": uid} for uid in ids]

    def ours():
        is_on = flags.is_on
        for attributes in users:
            is_on("half", attributes)

    gb = GrowthBook(features=payload.sdk_payload(snap)["features"])

    def theirs():
        for uid in ids:
            gb.set_attributes({"id": uid})
            gb.is_on("half")

    on_ours = sum(flags.is_on("half", a) for a in users)
    on_theirs = 0
    for uid in ids:
        gb.set_attributes({"id": uid})
        on_theirs += gb.is_on("half")
    if on_ours != on_theirs:
        sys.exit(f"answers differ: ours on for {on_ours}, growthbook for {on_theirs}")
    ours_us, theirs_us = median_us(ours, USERS), median_us(theirs, USERS)
    print(f"users: {USERS:,}; on: ours {on_ours:,}, growthbook {on_theirs:,} (identical answers)")
    print(f"flags.is_on, 50% rollout:              {ours_us:6.2f} us per evaluation")
    print(f"growthbook shared instance, same flag: {theirs_us:6.2f} us per evaluation")
    print(f"ratio ours / growthbook: {ours_us / theirs_us:.2f} (target <= 0.50)")

    factory = RequestFactory()
    requests = 20_000
    reqs = [factory.get("/") for _ in range(requests)]
    for i, request in enumerate(reqs):
        request.COOKIES["gbuuid"] = f"visitor-{i:06d}"

    def bare(request):
        return HttpResponse("ok")

    def one_flag(request):
        request.flags.is_on("half")
        return HttpResponse("ok")

    def all_flags(request):
        request.flags.all()
        return HttpResponse("ok")

    def run(view, wrapped: bool):
        handler = FlagsMiddleware(view) if wrapped else view

        def go():
            for request in reqs:
                handler(request)

        return go

    base = median_us(run(bare, False), requests)
    untouched = median_us(run(bare, True), requests) - base
    single = median_us(run(one_flag, True), requests) - base
    everything = median_us(run(all_flags, True), requests) - base
    print(f"middleware overhead per request, {len(snap.flags)} flags:")
    print(
        f"  no flag read: {untouched:6.2f} us;  one flag: {single:6.2f} us;  "
        f"all {len(snap.flags)} flags: {everything:6.2f} us"
    )


if __name__ == "__main__":
    main()
