"""FX rates imported from a file in the admin (CSV, XLSX, JSON), with a preview.

Columns ``day`` (an ISO date, YYYY-MM-DD only), ``currency`` (ISO 4217) and ``rate`` (1 unit of
the currency in the reporting currency). A row for an existing (day,
currency) updates its rate. A bad row (a date that is not one, an unknown
currency shape, the reporting currency itself, a rate that is not a positive
number, a pair repeated in the file) is shown with its reason and the whole
file is rolled back.
"""

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from import_export import fields, resources, widgets

from bizops.core.spreadsheet import SpreadsheetSafeResource
from etl.models import FxRate

ISO_DAY_RE = re.compile(r"\d{4}-\d{2}-\d{2}")


class DayWidget(widgets.Widget):
    """An ISO date (YYYY-MM-DD) and nothing else: ``20260108`` or ``2026-01-09garbage`` are refused."""

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        text = str(value or "").strip()
        try:
            if ISO_DAY_RE.fullmatch(text):
                return date.fromisoformat(text)
        except ValueError:
            pass
        raise ValueError(f"{value!r} is not a date like 2025-01-31")

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
    required_columns = ("day", "currency", "rate")

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
        self._seen: set[tuple[date, str]] = set()
        super().before_import(dataset, **kwargs)

    def before_import_row(self, row, **kwargs):
        # Compared as parsed, so one day written two ways is still a repeat; a
        # day that does not parse is reported by its own field instead.
        try:
            day = DayWidget().clean(row.get("day"))
        except ValueError:
            day = None
        currency = str(row.get("currency", "")).strip().upper()
        if day is not None:
            if (day, currency) in self._seen:
                raise ValidationError(f"{currency} on {day.isoformat()} appears twice in the file")
            self._seen.add((day, currency))
        super().before_import_row(row, **kwargs)
