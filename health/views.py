"""``/health/``: is this instance able to serve? And ``/health/detail/``: everything, for people.

``/health/`` (load balancers, uptime checks) runs the critical checks only and
answers 200 or 503 with one word per check (``ok``, ``failing``, ``skipped``):
no versions, hosts or errors that could help an attacker.

``/health/detail/`` is django-health-check's view (HTML for people, JSON or
text by ``Accept`` or ``?format=``) over every check, the warnings included,
each named with "(critical)" or "(warning only)". It needs a staff login or
``Authorization: Bearer <HEALTH_TOKEN>``. Both answer 503 only when a critical
check fails: a late data source is a warning, never a reason to take the
instance out.
"""

import secrets

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import JsonResponse
from health_check.exceptions import ServiceWarning
from health_check.views import HealthCheckView

from health import probes

OK, UNAVAILABLE = 200, 503


def failing(result) -> bool:
    return bool(result.error) and result.check.critical and not isinstance(result.error, ServiceWarning)


class Probe(HealthCheckView):
    http_method_names = ["get"]
    detailed = False

    def get_checks(self):
        yield from probes.probes(detailed=self.detailed)

    def status(self) -> int:
        return UNAVAILABLE if any(failing(r) for r in self.results) else OK

    async def get(self, request, *args, **kwargs):
        response = await super().get(request, *args, **kwargs)
        if response.status_code in (200, 500):
            response.status_code = self.status()
        return response


class PlainProbe(Probe):
    async def get(self, request, *args, **kwargs):
        await super().get(request, *args, **kwargs)
        checks = {r.check.name: "failing" if r.error else "ok" for r in self.results}
        checks.update(dict.fromkeys(probes.skipped(), "skipped"))
        status = self.status()
        body = {"status": "ok" if status == OK else "unavailable", "checks": checks}
        return JsonResponse(body, status=status)


class DetailedProbe(Probe):
    detailed = True

    async def get(self, request, *args, **kwargs):
        if not await allowed(request):
            if "text/html" in request.headers.get("accept", ""):
                return redirect_to_login(request.get_full_path())
            return JsonResponse({"detail": "a staff login or the health token is needed"}, status=401)
        return await super().get(request, *args, **kwargs)


async def allowed(request) -> bool:
    token = settings.HEALTH_TOKEN
    given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
    if token and given and secrets.compare_digest(given.encode(), token.encode()):
        return True
    user = await request.auser()
    return bool(user.is_active and user.is_staff)


health = PlainProbe.as_view()
health_detail = DetailedProbe.as_view()
