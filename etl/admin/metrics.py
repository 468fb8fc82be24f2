"""Admin for FX rates (edited and imported by the team) and daily metrics (read-only)."""

from django.contrib import admin
from import_export.admin import ExportMixin, ImportExportModelAdmin
from import_export.formats.base_formats import JSON, XLSX
from import_export.resources import ModelResource

from bizops.core.admin_imports import LimitedImportMixin
from bizops.core.admin_numbers import NumbersAdmin
from bizops.core.spreadsheet import SafeCSV, SpreadsheetSafeExportAdmin, SpreadsheetSafeResource
from etl.metrics.fx_import import FxRateResource
from etl.models import DailyMetric, FxRate


class DailyMetricResource(SpreadsheetSafeResource, ModelResource):
    class Meta:
        model = DailyMetric


@admin.register(FxRate)
class FxRateAdmin(NumbersAdmin, LimitedImportMixin, SpreadsheetSafeExportAdmin, ImportExportModelAdmin):
    number_kinds = {"rate": "rate"}
    resource_classes = [FxRateResource]
    formats = [SafeCSV, XLSX, JSON]
    list_display = ["day", "currency", "rate"]
    list_filter = ["currency"]
    list_editable = ["rate"]
    list_display_links = ["day"]
    date_hierarchy = "day"
    search_fields = ["currency"]
    ordering = ["-day", "currency"]


@admin.register(DailyMetric)
class DailyMetricAdmin(NumbersAdmin, SpreadsheetSafeExportAdmin, ExportMixin, admin.ModelAdmin):
    """Derived rows: recomputed by ``compute_metrics``, never edited by hand."""

    number_kinds = {
        **dict.fromkeys(
            ["spend", "cpc", "cpm", "platform_conversion_value", "gross_sales", "discounts", "returns",
             "net_sales", "total_sales", "aov", "blended_cac", "cogs", "cm1", "cm3"],
            "money",
        ),
        **dict.fromkeys(["channel_roas", "blended_roas", "mer", "breakeven_roas"], "ratio"),
        **dict.fromkeys(["ctr", "refund_rate", "cogs_coverage"], "share"),
        "platform_conversions": "int",
    }  # fmt: skip
    resource_classes = [DailyMetricResource]
    formats = [SafeCSV, XLSX, JSON]
    list_display = [
        "date",
        "channel",
        "spend",
        "orders",
        "net_sales",
        "new_customers",
        "blended_roas",
        "mer",
        "blended_cac",
        "channel_roas",
    ]
    list_filter = ["channel"]
    date_hierarchy = "date"
    ordering = ["-date", "channel"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
