"""The body each endpoint format receives, serialised once: the bytes signed are the bytes sent.

- JSON (Standard Webhooks): ``{"id", "type", "version", "timestamp", "data"}``.
- Slack incoming webhook: ``{"text", "blocks"}``, a readable line and a link to
  the admin page of what it is about (the payload's ``admin_path``, else the
  delivery's row), data text escaped so it cannot ping or link (``<!channel>``).
- Zapier catch hook: the JSON form with ``summary`` and ``link`` added on top,
  so a Zap's fields read plainly.
"""

import json

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.urls import reverse
from django.utils import timezone

from bizops.events import catalogue

SLACK_SECTION_MAX = 3000  # Slack refuses a longer section text with a 400


def _link(delivery) -> str:
    path = delivery.event.payload.get(catalogue.ADMIN_PATH) or reverse(
        "admin:automations_delivery_change", args=[delivery.pk]
    )
    return settings.BIZOPS_BASE_URL.rstrip("/") + path


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def standard(delivery) -> dict:
    event = delivery.event
    return {
        "id": event.webhook_id,
        "type": event.type,
        "version": event.version,
        "timestamp": event.occurred_at.isoformat(),
        "data": event.payload,
    }


def slack(delivery) -> dict:
    event = delivery.event
    line = catalogue.render_text(event.type, event.payload)
    at = timezone.localtime(event.occurred_at)
    text = _slack_escape(line)[:SLACK_SECTION_MAX]
    return {
        "text": text,
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": text}},
            {
                "type": "context",
                "elements": [
                    {
                        "type": "mrkdwn",
                        "text": f"{event.type} · {at:%Y-%m-%d %H:%M %Z} · <{_link(delivery)}|Open in bizops>",
                    }
                ],
            },
        ],
    }


def zapier(delivery) -> dict:
    return {
        **standard(delivery),
        "summary": catalogue.render_text(delivery.event.type, delivery.event.payload),
        "link": _link(delivery),
    }


def body(delivery) -> bytes:
    shape = {"slack": slack, "zapier": zapier}.get(delivery.endpoint.format, standard)(delivery)
    return json.dumps(shape, cls=DjangoJSONEncoder, separators=(",", ":"), ensure_ascii=False).encode()
