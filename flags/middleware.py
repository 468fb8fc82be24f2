"""``request.flags``: the request's user's flags, evaluated lazily and once each.

    if request.flags.is_on("new-checkout"): ...
    request.flags.value("button-colour", "blue")
    request.flags.all()                       # every enabled flag (bootstrap)

Attributes come from ``request.user`` (``flags.attributes_for``); an anonymous
visitor is bucketed on the id in the ``FLAGS_ANONYMOUS_COOKIE`` cookie
(``gbuuid``, the GrowthBook JS SDK's own), set here when missing, so the
server and the browser give the same visitor the same answers.
"""

import re
import uuid
from typing import Any

from django.conf import settings

from flags import api, engine

_VALID_ID = re.compile(r"[A-Za-z0-9_\-]{8,64}")
COOKIE_MAX_AGE = 400 * 24 * 3600  # the longest browsers keep a cookie


class RequestFlags:
    """Flags for one request; nothing is evaluated until asked."""

    def __init__(self, request):
        self._request = request
        self._attributes: dict | None = None
        self._values: dict[str, Any] = {}
        self.anonymous_id = ""
        self.new_anonymous_id = False

    @property
    def attributes(self) -> dict:
        if self._attributes is None:
            user = getattr(self._request, "user", None)
            attributes = api.attributes_for(user)
            if not attributes.get("loggedIn"):
                attributes["id"] = self.anonymous_id
            attributes["deviceId"] = self.anonymous_id
            self._attributes = attributes
        return self._attributes

    def evaluate(self, key: str) -> Any:
        if key not in self._values:
            self._values[key] = api.evaluate(key, self.attributes)
        return self._values[key]

    def is_on(self, key: str) -> bool:
        return engine.js_truthy(self.evaluate(key))

    def value(self, key: str, fallback: Any = None) -> Any:
        result = self.evaluate(key)
        return fallback if result is None else result

    def all(self) -> dict[str, Any]:
        values = api.evaluate_all(self.attributes)
        self._values.update(values)
        return values

    def __getitem__(self, key: str) -> Any:
        # Templates: {% if request.flags.new_checkout %} reads "new_checkout" or "new-checkout".
        result = self.evaluate(key)
        if result is None and "_" in key:
            result = self.evaluate(key.replace("_", "-"))
        return result


class FlagsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        flags = RequestFlags(request)
        cookie = request.COOKIES.get(settings.FLAGS_ANONYMOUS_COOKIE, "")
        if _VALID_ID.fullmatch(cookie):
            flags.anonymous_id = cookie
        else:
            flags.anonymous_id = uuid.uuid4().hex
            flags.new_anonymous_id = True
        request.flags = flags
        response = self.get_response(request)
        if flags.new_anonymous_id and flags._attributes is not None:
            # Only when a flag was evaluated for this visitor: a page that never
            # looked at a flag sets no cookie.
            response.set_cookie(
                settings.FLAGS_ANONYMOUS_COOKIE,
                flags.anonymous_id,
                max_age=COOKIE_MAX_AGE,
                samesite="Lax",
                secure=request.is_secure(),
                httponly=False,  # the GrowthBook JS SDK reads it
            )
        return response
