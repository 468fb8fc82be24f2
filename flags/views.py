"""The SDK endpoint: ``GET /flags/sdk/<client-key>.json`` in GrowthBook's payload format.

Front ends fetch it from other origins (a storefront, an app), like GrowthBook's
own API, so it answers with CORS headers; its client key is public and only
says which consumer asks. A revoked key gets 403, an unknown one 404. Its ETag
is the same from every process serving the same flags (``payload.etag``).
"""

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_http_methods

from flags import payload, snapshot


def _cors(response: HttpResponse) -> HttpResponse:
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Allow-Methods"] = "GET, OPTIONS"
    response["Access-Control-Max-Age"] = "86400"
    return response


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
    etag = payload.etag(snap, client_key)
    if etag in request.headers.get("If-None-Match", ""):
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(payload.sdk_body(snap), content_type="application/json")
    response["ETag"] = etag
    patch_cache_control(response, public=True, max_age=settings.FLAGS_SDK_CACHE_SECONDS)
    return _cors(response)
