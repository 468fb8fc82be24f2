"""The project's URLs plus ``/bench/floor.json``: a bare view returning fixed bytes, the
least work a request through the same server, settings and middleware can cost."""

import os

from django.http import HttpResponse
from django.urls import path

from bizops.urls import urlpatterns as project_urlpatterns

# As long as the SDK payload, so the floor moves as many bytes (the benchmark passes the size).
FLOOR_BODY = b"{" + b" " * max(0, int(os.environ.get("BENCH_FLOOR_BYTES", "2")) - 2) + b"}"


def floor(request):
    return HttpResponse(FLOOR_BODY, content_type="application/json")


# Last, so its URL is resolved through every project pattern, as the SDK endpoint's is.
urlpatterns = [*project_urlpatterns, path("bench/floor.json", floor)]
