"""The SDK endpoint: ``GET /flags/sdk/<client-key>.json`` in GrowthBook's payload format.

Front ends fetch it from other origins (a storefront, an app), like GrowthBook's
own API, so it answers with CORS headers; its client key is public and only
says which consumer asks. A revoked key gets 403, an unknown one 404. Its ETag
is the same from every process serving the same flags (``payload.etag``).

It is the busiest URL, so a request costs no query and no serialisation: the
client keys, the payload bytes and each key's ETag live in the in-process
snapshot (``payload.served``), which checks the flags' version at most every
``FLAGS_SNAPSHOT_CHECK_INTERVAL`` seconds; a revoked key is refused from then on.
It reads neither the session nor the user, so the answer carries no ``Vary:
Cookie`` and no cookie, and a CDN may hold it for ``FLAGS_SDK_CACHE_SECONDS``
(then serve it stale for ``FLAGS_SDK_STALE_SECONDS`` while it revalidates).
"""

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.views.decorators.http import require_http_methods

from flags import payload, snapshot


def _cors(response: HttpResponse) -> HttpResponse:
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Allow-Methods"] = "GET, OPTIONS"
    response["Access-Control-Max-Age"] = "86400"
    return response


def cache_control() -> str:
    return (
        f"public, max-age={settings.FLAGS_SDK_CACHE_SECONDS}, "
        f"stale-while-revalidate={settings.FLAGS_SDK_STALE_SECONDS}"
    )


@require_http_methods(["GET", "HEAD", "OPTIONS"])
def sdk_payload(request, client_key: str) -> HttpResponse:
    if request.method == "OPTIONS":
        return _cors(HttpResponse(status=204))
    snap = snapshot.current()
    if snap is None:
        return _cors(JsonResponse({"status": 503, "message": "flags are unavailable"}, status=503))
    revoked = snap.client_keys.get(client_key)
    if revoked is None:
        return _cors(JsonResponse({"status": 404, "message": "unknown client key"}, status=404))
    if revoked:
        return _cors(JsonResponse({"status": 403, "message": "this client key has been revoked"}, status=403))
    answer = payload.served(snap, client_key)
    # request.META, not request.headers: the latter copies every header on first use.
    if answer.etag in request.META.get("HTTP_IF_NONE_MATCH", ""):
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(answer.body, content_type="application/json")
    response["ETag"] = answer.etag
    response["Cache-Control"] = cache_control()
    return _cors(response)
