"""Source tables loaded from the providers, and the derived daily metrics.

Money is ``Decimal`` in the currency named on the row (the ad account's or the
store's); conversion to the reporting currency happens in ``etl.metrics`` with
the day's ``FxRate``, and the rate used is kept on the metric row.
"""

from decimal import Decimal

from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone

MONEY = {"max_digits": 18, "decimal_places": 4}


class Platform(models.TextChoices):
    META = "meta", "Meta"
    TIKTOK = "tiktok", "TikTok"


class AdAccount(models.Model):
    platform = models.CharField(max_length=10, choices=Platform.choices)
    external_id = models.CharField(
        max_length=64, help_text="act_<id> for Meta, the advertiser id for TikTok."
    )
    name = models.CharField(max_length=200, blank=True)
    currency = models.CharField(max_length=3)
    timezone = models.CharField(max_length=64, help_text="IANA name; the account reports days in it.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "external_id"], name="adaccount_platform_external_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_platform_display()} {self.name or self.external_id}"


class Campaign(models.Model):
    account = models.ForeignKey(AdAccount, on_delete=models.CASCADE, related_name="campaigns")
    external_id = models.CharField(max_length=64)
    name = models.CharField(max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "external_id"], name="campaign_account_external_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name or self.external_id


class AdInsightDaily(models.Model):
    """One campaign's numbers for one day, as the platform reports them."""

    platform = models.CharField(max_length=10, choices=Platform.choices)
    account = models.ForeignKey(AdAccount, on_delete=models.CASCADE, related_name="insights")
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="insights")
    date = models.DateField(help_text="A day in the ad account's time zone.")
    spend = models.DecimalField(**MONEY, null=True, blank=True)
    impressions = models.BigIntegerField(null=True, blank=True)
    clicks = models.BigIntegerField(null=True, blank=True)
    conversions = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    conversion_value = models.DecimalField(**MONEY, null=True, blank=True)
    currency = models.CharField(max_length=3)
    fetched_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "daily ad insight"
        verbose_name_plural = "daily ad insights"
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "account", "campaign", "date"], name="adinsight_natural_key_unique"
            )
        ]
        indexes = [
            # Metrics aggregate insights by day (etl.metrics).
            models.Index(fields=["date", "platform"], name="adinsight_date_platform"),
        ]

    def __str__(self) -> str:
        return f"{self.platform} {self.campaign_id} {self.date}"


# The orders that count in every figure (see ``Order.excluded_because``), their refunds included.
COUNTED = {"test": False, "deleted_at__isnull": True, "cancelled_at__isnull": True}


class OrderQuerySet(models.QuerySet):
    def counted(self) -> "OrderQuerySet":
        """Orders that count in every figure (see ``Order.excluded_because``), their refunds included."""
        return self.filter(**COUNTED)


def counted_through(relation: str) -> models.Q:
    """``counted()`` as a filter on another model's ``relation`` to its order, e.g. ``"order"``.

    It filters the join a query already has; ``order__in=Order.objects.counted()``
    reads the orders a second time (``IN (subquery)``), which PostgreSQL merged by
    index: 3.2 s instead of 2.3 s for a year of 1,000,000 orders' lines once the
    first-order flags had been written.
    """
    return models.Q(**{f"{relation}__{lookup}": value for lookup, value in COUNTED.items()})


class Order(models.Model):
    shop = models.CharField(max_length=255, help_text="The store's myshopify domain.")
    external_id = models.BigIntegerField(help_text="The numeric part of the order's GID.")
    name = models.CharField(max_length=64, blank=True, help_text='e.g. "#1001"')
    created_at = models.DateTimeField()
    processed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField()
    cancelled_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    test = models.BooleanField(default=False)
    currency = models.CharField(max_length=3, help_text="The store currency (shopMoney).")
    subtotal = models.DecimalField(**MONEY, default=0)
    discounts = models.DecimalField(**MONEY, default=0)
    tax = models.DecimalField(**MONEY, default=0)
    shipping = models.DecimalField(**MONEY, default=0)
    total = models.DecimalField(**MONEY, default=0)
    current_total = models.DecimalField(**MONEY, default=0, help_text="After refunds and edits.")
    customer_key = models.CharField(
        max_length=255, blank=True, help_text='"customer:<id>", or "email:<normalised email>" for guests.'
    )
    source_digest = models.BigIntegerField(
        null=True,
        blank=True,
        editable=False,
        help_text="A hash of the order, its lines and refunds as last loaded (etl.load.source_digest); "
        "a re-pull that hashes the same is not written again. Empty: unknown, compared in full.",
    )

    objects = OrderQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["shop", "external_id"], name="order_shop_external_unique")
        ]
        indexes = [
            # Daily metrics aggregate orders by creation time (etl.metrics).
            models.Index(fields=["created_at"], name="order_created"),
            models.Index(fields=["customer_key", "created_at"], name="order_customer_created"),
            # No index on updated_at: nothing reads orders by it (the Shopify cursor is kept in
            # SyncState), and every re-pulled order changes it, so such an index would make
            # each of those updates a new row version plus an entry in every index instead
            # of a heap-only one (etl migration 0006).
        ]

    def __str__(self) -> str:
        return self.name or str(self.external_id)

    @property
    def excluded_because(self) -> str:
        """Why the order is left out of the figures ("test", "deleted", "cancelled"), "" when it counts.

        Test, deleted and cancelled orders never count, as in Shopify's current sales
        reports; ``OrderQuerySet.counted`` is the same rule in SQL.
        """
        if self.test:
            return "test"
        if self.deleted_at:
            return "deleted"
        if self.cancelled_at:
            return "cancelled"
        return ""


class FirstOrder(models.Model):
    """A customer's first valid order: one row per customer who has one (``etl.metrics.customers``).

    Derived data, rebuilt by the metrics step from the orders. Kept apart from
    the orders because it changes for about every second order on a first run:
    inserting 480,000 narrow rows took 4 s where flagging as many orders (new
    versions of wide rows, their WAL) took 11 s, and the orders then read as
    fast as before. No foreign-key constraint in the database: its check
    locks the referenced order (a write to every order page at commit; 22 s
    for the same rows). Rows are only ever read through a join to their
    order, so one left behind by a deleted order counts nowhere, and the ORM
    still deletes it with its order.
    """

    order = models.OneToOneField(
        Order, primary_key=True, on_delete=models.CASCADE, related_name="first", db_constraint=False
    )

    def __str__(self) -> str:
        return f"first order {self.order_id}"


class Refund(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="refunds")
    external_id = models.BigIntegerField()
    created_at = models.DateTimeField(
        help_text="When the refund was processed (its own day, not the order's)."
    )
    amount = models.DecimalField(**MONEY, help_text="Total refunded (totalRefundedSet.shopMoney).")
    returns_amount = models.DecimalField(
        **MONEY, null=True, blank=True, help_text="Value of the returned goods (refund line items' subtotal)."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["order", "external_id"], name="refund_order_external_unique")
        ]
        indexes = [models.Index(fields=["created_at"], name="refund_created")]

    def __str__(self) -> str:
        return f"refund {self.external_id} of {self.order_id}"


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    external_id = models.BigIntegerField()
    sku = models.CharField(max_length=255, blank=True)
    title = models.CharField(max_length=500, blank=True)
    quantity = models.IntegerField()
    price = models.DecimalField(**MONEY, help_text="Unit price before discounts.")
    discount = models.DecimalField(**MONEY, default=0, help_text="Discounts allocated to this line.")
    unit_cost = models.DecimalField(
        **MONEY, null=True, blank=True, help_text="From the inventory item, if known."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["order", "external_id"], name="orderline_order_external_unique")
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.sku or self.title}"


class SyncState(models.Model):
    """Where the next incremental pull of a source starts; moved only after a commit."""

    source = models.CharField(max_length=20)
    account = models.CharField(max_length=255, blank=True, help_text="Ad account, advertiser or shop.")
    cursor = models.CharField(max_length=255, blank=True, help_text="e.g. the last committed updated_at.")
    extra = models.JSONField(default=dict, blank=True, help_text="e.g. a running Shopify bulk operation id.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "account"], name="syncstate_source_account_unique")
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.account}"


class FxRate(models.Model):
    """1 unit of ``currency`` is worth ``rate`` units of the reporting currency on ``day``."""

    day = models.DateField()
    currency = models.CharField(
        max_length=3,
        validators=[RegexValidator(r"^[A-Z]{3}\Z", "a currency code is three capital letters, like CAD")],
        help_text="ISO 4217 code, like CAD.",
    )
    rate = models.DecimalField(
        max_digits=18, decimal_places=8, validators=[MinValueValidator(Decimal("0.00000001"))]
    )

    class Meta:
        verbose_name = "FX rate"
        verbose_name_plural = "FX rates"
        constraints = [models.UniqueConstraint(fields=["day", "currency"], name="fxrate_day_currency_unique")]
        ordering = ["-day", "currency"]

    def __str__(self) -> str:
        if not isinstance(self.rate, Decimal):
            return f"{self.currency} {self.day}"
        return f"{self.currency} {self.day}: {self.rate.normalize():f}"


class Channel(models.TextChoices):
    META = "meta", "Meta"
    TIKTOK = "tiktok", "TikTok"
    ORGANIC = "organic", "Organic"
    ALL = "all", "All channels"


class DailyMetric(models.Model):
    """The numbers of one reporting day for one channel, recomputed by ``etl.metrics``.

    Advertising fields are filled on every channel row; the store-wide fields
    (orders, sales, customers, margins) only on the ``all`` row. A ratio whose
    denominator is zero is null ("n/a"), never 0 or infinity.
    """

    date = models.DateField(help_text="A day in the reporting time zone.")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    currency = models.CharField(max_length=3, help_text="The reporting currency.")
    fx_rates = models.JSONField(default=dict, blank=True, help_text="Rates used: {currency: rate}.")

    spend = models.DecimalField(**MONEY, default=0)
    impressions = models.BigIntegerField(default=0)
    clicks = models.BigIntegerField(default=0)
    ctr = models.DecimalField(max_digits=12, decimal_places=6, null=True, blank=True)
    cpc = models.DecimalField(**MONEY, null=True, blank=True)
    cpm = models.DecimalField(**MONEY, null=True, blank=True)
    platform_conversions = models.DecimalField(max_digits=18, decimal_places=4, default=0)
    platform_conversion_value = models.DecimalField(**MONEY, default=0)
    channel_roas = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)

    orders = models.IntegerField(null=True, blank=True)
    gross_sales = models.DecimalField(**MONEY, null=True, blank=True)
    discounts = models.DecimalField(**MONEY, null=True, blank=True)
    returns = models.DecimalField(**MONEY, null=True, blank=True)
    net_sales = models.DecimalField(**MONEY, null=True, blank=True)
    total_sales = models.DecimalField(**MONEY, null=True, blank=True)
    aov = models.DecimalField(**MONEY, null=True, blank=True)
    new_customers = models.IntegerField(null=True, blank=True)
    blended_roas = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    mer = models.DecimalField("MER (revenue / spend)", max_digits=12, decimal_places=4, null=True, blank=True)
    blended_cac = models.DecimalField(**MONEY, null=True, blank=True)
    refund_rate = models.DecimalField(max_digits=12, decimal_places=6, null=True, blank=True)
    cogs = models.DecimalField(**MONEY, null=True, blank=True)
    cogs_coverage = models.DecimalField(
        max_digits=7,
        decimal_places=4,
        null=True,
        blank=True,
        help_text="Share of sales with a cost recorded.",
    )
    cm1 = models.DecimalField(**MONEY, null=True, blank=True)
    cm3 = models.DecimalField(**MONEY, null=True, blank=True)
    breakeven_roas = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)

    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["date", "channel"], name="dailymetric_date_channel_unique")
        ]
        ordering = ["-date", "channel"]

    def __str__(self) -> str:
        return f"{self.date} {self.channel}"
