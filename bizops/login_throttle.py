"""What django-axes needs from bizops: the page a locked-out login gets, and
the client's address behind a trusted proxy (see LOGIN_TRUST_X_FORWARDED_FOR)."""

from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def locked_out(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """A readable admin page, 429 Too Many Requests, saying how long to wait."""
    context = {
        **admin.site.each_context(request),
        "title": "Too many failed logins",
        "failure_limit": settings.LOGIN_FAILURE_LIMIT,
        "minutes": settings.LOGIN_LOCKOUT_MINUTES,
    }
    return render(request, "bizops/locked_out.html", context, status=429)


def forwarded_client_ip(request: HttpRequest) -> str | None:
    # The proxy appends the address it saw: the last entry is the one it vouches
    # for; earlier ones were written by the client and may be forged.
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    entries = [entry.strip() for entry in forwarded.split(",") if entry.strip()]
    return entries[-1] if entries else request.META.get("REMOTE_ADDR")
