"""FX rates imported from a file in the admin (CSV, XLSX, JSON), with a preview.

Columns ``day`` (ISO date), ``currency`` (ISO 4217) and ``rate`` (1 unit of
the currency in the reporting currency). A row for an existing (day,
currency) updates its rate. A bad row (a date that is not one, an unknown
currency shape, the reporting currency itself, a rate that is not a positive
number, a pair repeated in the file) is shown with its reason and the whole
file is rolled back.
"""

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from import_export import fields, resources, widgets

from bizops.spreadsheet import SpreadsheetSafeResource
from etl.models import FxRate


class DayWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        if isinstance(value, date):
            return value if not hasattr(value, "date") else value.date()
        try:
            return date.fromisoformat(str(value or "").strip()[:10])
        except ValueError:
            raise ValueError(f"{value!r} is not a date like 2025-01-31") from None

    def render(self, value, obj=None, **kwargs):
        return value.isoformat() if value else ""


class CurrencyWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        code = str(value or "").strip().upper()
        if not re.fullmatch(r"[A-Z]{3}", code):
            raise ValueError(f"{value!r} is not a currency code like CAD")
        if code == settings.REPORTING_CURRENCY:
            raise ValueError(f"{code} is the reporting currency: it needs no rate")
        return code


class RateWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        try:
            rate = Decimal(str(value).strip())
        except (InvalidOperation, ValueError):
            raise ValueError(f"{value!r} is not a number") from None
        if not rate.is_finite() or rate <= 0:
            raise ValueError(f"the rate must be a positive number, got {value!r}")
        return rate

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        # XLSX (django-import-export passes force_native_type) gets a numeric cell, CSV the exact digits.
        return value if kwargs.get("force_native_type") else str(value)


class FxRateResource(SpreadsheetSafeResource, resources.ModelResource):
    day = fields.Field(attribute="day", column_name="day", widget=DayWidget())
    currency = fields.Field(attribute="currency", column_name="currency", widget=CurrencyWidget())
    rate = fields.Field(attribute="rate", column_name="rate", widget=RateWidget())

    class Meta:
        model = FxRate
        import_id_fields = ["day", "currency"]
        fields = ["day", "currency", "rate"]
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True

    def before_import(self, dataset, **kwargs):
        self._seen: set[tuple[str, str]] = set()
        super().before_import(dataset, **kwargs)

    def before_import_row(self, row, **kwargs):
        key = (str(row.get("day", "")).strip()[:10], str(row.get("currency", "")).strip().upper())
        if key in self._seen:
            raise ValidationError(f"{key[1]} on {key[0]} appears twice in the file")
        self._seen.add(key)
        super().before_import_row(row, **kwargs)
