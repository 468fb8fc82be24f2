"""Feature flags and growth experiments.

import flags
if flags.is_on("new-checkout", request.user): ...
colour = flags.value("button-colour", {"id": "42"}, fallback="blue")
flags.variant("checkout-copy", request.user)        # "control", "treatment" or None
flags.track_conversion(request.user, "signup")
"""

from flags.api import attributes_for, evaluate_all, is_on, value, variant
from flags.tracking import track_conversion

__all__ = ["attributes_for", "evaluate_all", "is_on", "track_conversion", "value", "variant"]


def __getattr__(name: str):
    # django-simple-history gives the history models of a models *package* the
    # app's top module as their home ("flags.HistoricalFlag") but attaches them
    # to the module that defines the model (flags.models.flag). Resolving them
    # here makes that declared home true, so importing them by name works
    # (Django's shell auto-imports every model by its module and name).
    if name.startswith("Historical"):
        from django.apps import apps

        try:
            model = apps.get_model("flags", name)
        except LookupError:
            pass
        else:
            if model.__module__ == __name__:
                return model
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
