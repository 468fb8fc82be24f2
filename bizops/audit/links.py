"""Admin links into the evidence: every finding points at the rows it was computed from."""

from django.urls import NoReverseMatch, reverse
from django.utils.http import urlencode

from bizops.audit.base import Period


def admin(name: str, *args, **query) -> str:
    try:
        url = reverse(f"admin:{name}", args=args)
    except NoReverseMatch:
        return ""
    return f"{url}?{urlencode(query)}" if query else url


def metrics(period: Period, channel: str = "") -> str:
    query = {"range": "custom", "since": period.start.isoformat(), "until": period.end.isoformat()}
    if channel:
        query["channel"] = channel
    return f"{reverse('metrics-dashboard')}?{urlencode(query)}"
