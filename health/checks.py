"""Settings checks of the job machinery (see ``bizops.checks``)."""

from django.conf import settings
from django.core.checks import Error, register

from bizops.checks import SETTINGS, out_of_bounds


@register(SETTINGS)
def job_settings(app_configs, **kwargs) -> list[Error]:
    errors = out_of_bounds("health.E001", {"JOB_RUN_RETENTION_DAYS": (1, None)})
    heartbeat, ttl = settings.JOB_LOCK_HEARTBEAT, settings.JOB_LOCK_TTL
    if not 0 < heartbeat < ttl:
        # A holder renewing its lock less often than it lapses would lose it mid-run.
        message = f"JOB_LOCK_HEARTBEAT={heartbeat} must be above 0 and below JOB_LOCK_TTL={ttl}"
        errors.append(Error(message, id="health.E002"))
    return errors
