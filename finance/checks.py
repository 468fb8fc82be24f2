"""Settings checks of the forecast (see ``bizops.checks``)."""

from decimal import Decimal

from django.conf import settings
from django.core.checks import Error, register

from bizops.checks import SETTINGS, out_of_bounds


@register(SETTINGS)
def forecast_settings(app_configs, **kwargs) -> list[Error]:
    errors = out_of_bounds("finance.E001", {"FINANCE_DEFAULT_HORIZON_MONTHS": (12, 36)})
    # LTV divides by the churn floor: zero is refused, as is a step that would take a lever to 0.
    floor, step = settings.FINANCE_LTV_CHURN_FLOOR_PCT, settings.FINANCE_LEVER_STEP_PCT
    if not Decimal(0) < floor <= Decimal(100):
        message = f"FINANCE_LTV_CHURN_FLOOR_PCT={floor} must be above 0 and at most 100"
        errors.append(Error(message, id="finance.E002"))
    if not Decimal(0) < step < Decimal(100):
        errors.append(
            Error(f"FINANCE_LEVER_STEP_PCT={step} must be above 0 and below 100", id="finance.E003")
        )
    return errors
