"""Settings checks of the webhooks (see ``bizops.checks``)."""

from django.conf import settings
from django.core.checks import Error, register

from bizops.automations.backoff import parse_duration
from bizops.checks import SETTINGS, out_of_bounds


@register(SETTINGS)
def webhook_numbers(app_configs, **kwargs) -> list[Error]:
    return out_of_bounds(
        "automations.E001",
        {
            "WEBHOOK_TIMEOUT_SECONDS": (0.1, 60),
            "WEBHOOK_RETRY_JITTER": (0, 0.9),
            "WEBHOOK_DISABLE_AFTER_FAILURES": (1, None),
            "WEBHOOK_SECRET_ROTATION_GRACE_HOURS": (0, None),
            "WEBHOOK_RESPONSE_BODY_MAX": (0, 100_000),
            "ALERT_REMINDER_HOURS": (1, None),
        },
    )


@register(SETTINGS)
def retry_schedule(app_configs, **kwargs) -> list[Error]:
    for item in settings.WEBHOOK_RETRY_SCHEDULE:
        try:
            parse_duration(item)
        except ValueError as exc:
            return [Error(f"WEBHOOK_RETRY_SCHEDULE: {exc}", id="automations.E002")]
    return []
