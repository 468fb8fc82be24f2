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
