"""Settings checks of the flags and experiments (see ``bizops.checks``)."""

from django.conf import settings
from django.core.checks import Error, register

from bizops.checks import SETTINGS, out_of_bounds


@register(SETTINGS)
def flags_numbers(app_configs, **kwargs) -> list[Error]:
    lifetimes = {
        f"FLAGS_LIFETIME_{kind.upper()}_DAYS": days for kind, days in settings.FLAGS_LIFETIME_DAYS.items()
    }
    errors = out_of_bounds("flags.E001", dict.fromkeys(lifetimes, (0, None)), lifetimes)
    return errors + out_of_bounds(
        "flags.E001",
        {
            "FLAGS_STALE_UNIFORM_DAYS": (1, None),
            "FLAGS_STALE_UNUSED_DAYS": (1, None),
            "FLAGS_LAST_EVALUATED_INTERVAL": (1, None),
            "FLAGS_SNAPSHOT_CHECK_INTERVAL": (0, None),
            "FLAGS_REGEX_MAX_LENGTH": (1, None),
            "FLAGS_SDK_CACHE_SECONDS": (0, None),
            "FLAGS_SDK_STALE_SECONDS": (0, None),
            "FLAGS_MIN_USERS_PER_VARIANT": (0, None),
            "FLAGS_MIN_CONVERSIONS": (0, None),
            "FLAGS_SRM_THRESHOLD": (0, 1),
            "FLAGS_ALPHA": (0.0001, 0.5),
        },
    )
