"""Read-mostly admin views of what the connectors loaded.

The tables mirror the providers: edits would be overwritten by the next pull,
so these views show and filter but do not add or change rows. Sync state may
be deleted (to force a full re-pull of one account), nothing else.
"""

from datetime import datetime

from django.contrib import admin
from django.utils import timezone

from bizops.core.admin_numbers import NumbersAdmin
from etl.models import AdAccount, AdInsightDaily, Campaign, Order, OrderLine, Refund, SyncState


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AdAccount)
class AdAccountAdmin(ReadOnlyAdmin):
    list_display = ["external_id", "name", "platform", "currency", "timezone", "updated_at"]
    list_filter = ["platform", "currency"]
    search_fields = ["external_id", "name"]


@admin.register(Campaign)
class CampaignAdmin(ReadOnlyAdmin):
    list_display = ["external_id", "name", "account", "updated_at"]
    list_filter = ["account__platform", "account"]
    search_fields = ["external_id", "name"]
    list_select_related = ["account"]


MONEY = "money"


@admin.register(AdInsightDaily)
class AdInsightDailyAdmin(NumbersAdmin, ReadOnlyAdmin):
    number_kinds = {
        "spend": MONEY, "conversion_value": MONEY,
        "impressions": "int", "clicks": "int", "conversions": "int",
    }  # fmt: skip
    list_display = [
        "date", "account", "campaign", "spend", "impressions", "clicks", "conversions",
        "conversion_value", "currency",
    ]  # fmt: skip
    list_filter = ["platform", "account", "currency", "date"]
    search_fields = ["campaign__name", "campaign__external_id"]
    date_hierarchy = "date"
    list_select_related = ["account", "campaign"]


class OrderLineInline(NumbersAdmin, admin.TabularInline):
    number_kinds = {"price": MONEY, "discount": MONEY, "unit_cost": MONEY}
    model = OrderLine
    extra = 0
    can_delete = False
    fields = ["external_id", "sku", "title", "quantity", "price", "discount", "unit_cost"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class RefundInline(NumbersAdmin, admin.TabularInline):
    number_kinds = {"amount": MONEY, "returns_amount": MONEY}
    model = Refund
    extra = 0
    can_delete = False
    fields = ["external_id", "created_at", "amount", "returns_amount"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class FirstOrderFilter(admin.SimpleListFilter):
    title = "first order"
    parameter_name = "first"

    def lookups(self, request, model_admin):
        return [("yes", "Yes"), ("no", "No")]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(first__isnull=self.value() == "no")
        return queryset


@admin.register(Order)
class OrderAdmin(NumbersAdmin, ReadOnlyAdmin):
    number_kinds = dict.fromkeys(
        ["subtotal", "discounts", "tax", "shipping", "total", "current_total"], MONEY
    )
    list_display = [
        "name", "created_at", "total", "current_total", "currency", "customer_key", "test", "is_cancelled",
        "is_first",
    ]  # fmt: skip
    list_filter = ["test", FirstOrderFilter, "currency", ("cancelled_at", admin.EmptyFieldListFilter), "shop"]
    search_fields = ["name", "external_id", "customer_key"]
    date_hierarchy = "created_at"
    inlines = [OrderLineInline, RefundInline]
    readonly_fields = ["is_first"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("first")  # one LEFT JOIN, not a query a row

    @admin.display(boolean=True, description="cancelled", ordering="cancelled_at")
    def is_cancelled(self, order: Order) -> bool:
        return order.cancelled_at is not None

    @admin.display(boolean=True, description="first order", ordering="first")
    def is_first(self, order: Order) -> bool:
        """The customer's first valid order (``FirstOrder``, kept by the metrics step)."""
        return hasattr(order, "first")


@admin.register(SyncState)
class SyncStateAdmin(ReadOnlyAdmin):
    list_display = ["source", "account", "cursor_shown", "updated_at"]
    list_filter = ["source"]
    readonly_fields = ["source", "account", "cursor_shown", "extra", "updated_at"]
    fields = readonly_fields

    @admin.display(description="cursor", ordering="cursor")
    def cursor_shown(self, state: SyncState) -> str:
        """A moment (Shopify's updated_at) in the reporting time zone; a day (Meta, TikTok) as it is."""
        try:
            moment = datetime.fromisoformat(state.cursor)
        except ValueError:
            return state.cursor or "-"
        if moment.tzinfo is None:
            return state.cursor
        return f"{timezone.localtime(moment):%Y-%m-%d %H:%M:%S}"

    def has_delete_permission(self, request, obj=None):
        # Deleting a cursor makes the next pull start over (a full re-pull of that account).
        return request.user.has_perm("etl.delete_syncstate")
