"""Assumption sets (immutable versions), scenarios, and forecast runs with their months."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone
from simple_history.models import HistoricalRecords

from finance.drivers import (
    BY_NAME,
    COMMERCE,
    COMMERCE_BY_NAME,
    COMMERCE_DEFAULTS,
    COMMERCE_NAMES,
    COUNT,
    DECIMAL_PLACES,
    DRIVERS,
    MAX_DIGITS,
    MONEY,
    PERCENT,
    REVENUE_MODELS,
    SUBSCRIPTION,
    WHOLE,
    DriverError,
    clean_commerce_values,
    clean_one_offs,
    clean_prior_cohorts,
    clean_repeat_curve,
    clean_values,
)

MONEY_FIELD = {"max_digits": MAX_DIGITS[MONEY], "decimal_places": DECIMAL_PLACES[MONEY]}
# Room for any valid input compounded over 36 months (a budget doubling every month).
ROW_MONEY = {"max_digits": 30, "decimal_places": 2}
ROW_COUNT = {"max_digits": 30, "decimal_places": 2}


class ImmutableError(Exception):
    pass


def _driver_field(name: str) -> models.Field:
    driver = BY_NAME[name]
    options = {"verbose_name": driver.label, "help_text": driver.help}
    if driver.kind == WHOLE:
        return models.PositiveIntegerField(**options)
    if driver.kind == MONEY:
        return models.DecimalField(**MONEY_FIELD, **options)
    if driver.kind == PERCENT:
        return models.DecimalField(
            max_digits=MAX_DIGITS[PERCENT], decimal_places=DECIMAL_PLACES[PERCENT], **options
        )
    return models.DecimalField(max_digits=MAX_DIGITS[COUNT], decimal_places=DECIMAL_PLACES[COUNT], **options)


def _range_constraints() -> list[models.CheckConstraint]:
    constraints = []
    for driver in DRIVERS:
        condition = Q()
        if driver.minimum is not None:
            condition &= Q(**{f"{driver.name}__gte": driver.minimum})
        if driver.maximum is not None:
            condition &= Q(**{f"{driver.name}__lte": driver.maximum})
        constraints.append(models.CheckConstraint(condition=condition, name=f"aset_{driver.name}_range"))
    return constraints


class AssumptionSetQuerySet(models.QuerySet):
    def current(self):
        """The newest version of each named set."""
        newest = (
            AssumptionSet.objects.filter(name=OuterRef("name")).order_by("-version").values("version")[:1]
        )
        return self.filter(version=Subquery(newest))


class AssumptionSet(models.Model):
    """A named, immutable version of the forecast's drivers and where each came from.

    Editing makes a new version (``finance.versions.save_new_version``); a
    forecast run points at the version it used, which never changes.
    """

    name = models.CharField(max_length=100)
    version = models.PositiveIntegerField(editable=False)
    revenue_model = models.CharField(
        max_length=20,
        choices=REVENUE_MODELS,
        default=SUBSCRIPTION,
        help_text="commerce: orders from new and returning customers; subscription: MRR and churn.",
    )
    previous = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    start_month = models.DateField(help_text="The forecast's first month (its first day).")
    horizon_months = _driver_field("horizon_months")
    starting_cash = _driver_field("starting_cash")
    starting_customers = _driver_field("starting_customers")
    starting_mrr = _driver_field("starting_mrr")
    price = _driver_field("price")
    ad_budget = _driver_field("ad_budget")
    ad_budget_growth_pct = _driver_field("ad_budget_growth_pct")
    cac = _driver_field("cac")
    organic_new_customers = _driver_field("organic_new_customers")
    churn_pct = _driver_field("churn_pct")
    expansion_pct = _driver_field("expansion_pct")
    cogs_pct = _driver_field("cogs_pct")
    payment_fee_pct = _driver_field("payment_fee_pct")
    fixed_salaries = _driver_field("fixed_salaries")
    fixed_tools = _driver_field("fixed_tools")
    fixed_other = _driver_field("fixed_other")
    one_off_costs = models.JSONField(
        default=list, blank=True, help_text='[{"month": "YYYY-MM", "amount": "1000.00", "label": "..."}]'
    )
    commerce = models.JSONField(
        default=dict, blank=True, help_text="The commerce model's own drivers: {driver: value}."
    )
    repeat_curve = models.JSONField(
        default=list,
        blank=True,
        help_text="Commerce: % of a month's new customers ordering again in month 1, 2, ... after it.",
    )
    prior_cohorts = models.JSONField(
        default=list,
        blank=True,
        help_text=(
            "Commerce: new customers of the months before the start: "
            '[{"month": "YYYY-MM", "customers": "120"}].'
        ),
    )
    calibration = models.JSONField(
        default=dict,
        blank=True,
        editable=False,
        help_text="What a calibration measured (window, cohort table), for the forecast page.",
    )
    sources = models.JSONField(
        default=dict, blank=True, help_text="Where each number came from: {driver: note}."
    )
    note = models.TextField(blank=True, help_text="What this version is and why it changed.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, editable=False
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = AssumptionSetQuerySet.as_manager()

    class Meta:
        ordering = ["name", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["name", "version"], name="assumptionset_name_version_unique"),
            *_range_constraints(),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableError(f"{self} is immutable: save a new version instead")
        super().save(*args, **kwargs)

    def clean(self):
        values = {name: getattr(self, name) for name in BY_NAME if getattr(self, name) is not None}
        errors: dict[str, list[str]] = {}
        try:
            clean_values(values, required=False)
        except DriverError as exc:
            for field, message in exc.problems:
                errors.setdefault(field, []).append(message)
        if self.start_month and self.start_month.day != 1:
            errors.setdefault("start_month", []).append("must be the first day of a month")
        try:
            horizon = self.horizon_months if "horizon_months" not in errors else None
            self.one_off_costs = clean_one_offs(
                self.one_off_costs, start=self.start_month, horizon=horizon, prefix=""
            )
        except DriverError as exc:
            errors.setdefault("one_off_costs", []).extend(f"{f}: {m}" for f, m in exc.problems)
        if self.revenue_model == COMMERCE:
            for field, cleaner in (
                ("commerce", lambda raw: {k: str(v) for k, v in clean_commerce_values(raw or {}).items()}),
                ("repeat_curve", clean_repeat_curve),
                ("prior_cohorts", clean_prior_cohorts),
            ):
                try:
                    setattr(self, field, cleaner(getattr(self, field)))
                except DriverError as exc:
                    errors.setdefault(field, []).extend(f"{f}: {m}" for f, m in exc.problems)
        known = set(BY_NAME) | set(COMMERCE_BY_NAME) | {"start_month", "one_off_costs", "repeat_curve"}
        unknown = set(self.sources or {}) - known - {"prior_cohorts"}
        if unknown:
            errors.setdefault("sources", []).append(f"unknown driver(s): {', '.join(sorted(unknown))}")
        if errors:
            raise ValidationError(errors)

    @property
    def is_current(self) -> bool:
        return not AssumptionSet.objects.filter(name=self.name, version__gt=self.version).exists()

    def driver_values(self) -> dict[str, Decimal]:
        return {name: Decimal(getattr(self, name)) for name in BY_NAME}

    @property
    def is_commerce(self) -> bool:
        return self.revenue_model == COMMERCE

    def commerce_values(self) -> dict[str, Decimal]:
        """The commerce drivers, the model's defaults for any not set."""
        stored = self.commerce or {}
        return {name: Decimal(stored.get(name, COMMERCE_DEFAULTS[name])) for name in COMMERCE_NAMES}


class Scenario(models.Model):
    """Base, Optimistic, Conservative...: an assumption set, with overrides of some drivers.

    A scenario follows the newest version of its set: saving a new version
    moves the scenarios of that set onto it.
    """

    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    assumption_set = models.ForeignKey(AssumptionSet, on_delete=models.PROTECT, related_name="scenarios")
    overrides = models.JSONField(
        default=dict, blank=True, help_text='Drivers that differ from the set: {driver: {"value", "notes"}}.'
    )
    active = models.BooleanField(default=True, help_text="Run by `manage.py forecast` and shown on the page.")
    position = models.PositiveSmallIntegerField(default=0, help_text="Order on the forecast page.")

    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        # Never store overrides the engine cannot read (DriverError names them).
        self.overrides = clean_overrides(self.overrides)
        super().save(*args, **kwargs)

    def clean(self):
        try:
            self.overrides = clean_overrides(self.overrides)
            if self.assumption_set_id:
                overrides = {k: v for k, v in self.override_values().items() if k in BY_NAME}
                clean_values(self.assumption_set.driver_values() | overrides)
        except DriverError as exc:
            raise ValidationError(
                [f"overrides: {field}: {message}" for field, message in exc.problems]
            ) from None

    def override_values(self) -> dict[str, Decimal]:
        return {name: Decimal(entry["value"]) for name, entry in (self.overrides or {}).items()}

    def duplicate(self) -> "Scenario":
        """A saved, inactive copy named "<name> (copy)" (or "(copy 2)", ... when taken)."""
        name, suffix = f"{self.name} (copy)", 2
        while Scenario.objects.filter(name=name).exists():
            name, suffix = f"{self.name} (copy {suffix})", suffix + 1
        copy = Scenario.objects.get(pk=self.pk)
        copy.pk, copy.name, copy.active = None, name, False
        copy.save()
        return copy


def clean_overrides(raw) -> dict:
    """``{driver: {"value": ..., "notes": ...}}`` (or ``{driver: value}``), checked and normalised."""
    if not raw:
        return {}
    if not isinstance(raw, dict):
        raise DriverError([("overrides", "must be an object of {driver: {value, notes}}")])
    values, notes, problems = {}, {}, []
    for name, entry in raw.items():
        if isinstance(entry, dict):
            unknown = set(entry) - {"value", "notes"}
            if unknown:
                problems.append((f"{name}", f"unknown key(s) {', '.join(sorted(unknown))}"))
            if "value" not in entry:
                problems.append((f"{name}", "has no value"))
                continue
            values[name], notes[name] = entry["value"], entry.get("notes", "")
        else:
            values[name], notes[name] = entry, ""
    cleaned = {}
    try:
        cleaned |= clean_values(
            {k: v for k, v in values.items() if k not in COMMERCE_BY_NAME}, required=False
        )
    except DriverError as exc:
        problems += exc.problems
    try:
        cleaned |= clean_commerce_values({k: v for k, v in values.items() if k in COMMERCE_BY_NAME})
    except DriverError as exc:
        problems += exc.problems
    if problems:
        raise DriverError(problems)
    return {name: {"value": str(value), "notes": str(notes[name] or "")} for name, value in cleaned.items()}


class ForecastRun(models.Model):
    """One scenario projected from one assumption set version: its inputs, months and summary."""

    scenario = models.ForeignKey(
        Scenario, null=True, blank=True, on_delete=models.SET_NULL, related_name="runs"
    )
    scenario_name = models.CharField(max_length=100)
    assumption_set = models.ForeignKey(AssumptionSet, on_delete=models.PROTECT, related_name="runs")
    overrides = models.JSONField(default=dict, blank=True, help_text="The scenario's overrides as applied.")
    inputs = models.JSONField(help_text="Every input the engine used, so the run can be repeated.")
    inputs_hash = models.CharField(max_length=64, db_index=True)
    engine_version = models.CharField(max_length=10)
    revenue_model = models.CharField(max_length=20, choices=REVENUE_MODELS, default=SUBSCRIPTION)
    month_12_mrr = models.DecimalField("month-12 MRR", **ROW_MONEY, null=True, blank=True)
    month_12_net_sales = models.DecimalField("month-12 net sales", **ROW_MONEY, null=True, blank=True)
    break_even_month = models.PositiveSmallIntegerField(null=True, blank=True)
    ending_cash = models.DecimalField(**ROW_MONEY)
    cash_trough = models.DecimalField(**ROW_MONEY)
    summary = models.JSONField(default=dict)
    levers = models.JSONField(default=list, blank=True)
    produced_by = models.CharField(max_length=100, help_text="The person or job that ran it.")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["scenario", "-created_at"], name="forecastrun_scenario_created")]

    def __str__(self) -> str:
        return f"{self.scenario_name} on {self.assumption_set} (run {self.pk})"

    @property
    def is_commerce(self) -> bool:
        return self.revenue_model == COMMERCE

    @property
    def headline(self):
        """The month-12 figure the levers rank by: net sales (commerce) or MRR (subscription)."""
        return self.month_12_net_sales if self.is_commerce else self.month_12_mrr

    @property
    def headline_label(self) -> str:
        return "Month-12 net sales" if self.is_commerce else "Month-12 MRR"

    @property
    def headline_phrase(self) -> str:
        return "month-12 net sales" if self.is_commerce else "month-12 MRR"


class ForecastMonth(models.Model):
    run = models.ForeignKey(ForecastRun, on_delete=models.CASCADE, related_name="months")
    month = models.PositiveSmallIntegerField()
    period = models.DateField()
    new_customers = models.DecimalField(**ROW_COUNT)
    # Subscription rows.
    churned_customers = models.DecimalField(**ROW_COUNT, null=True, blank=True)
    active_customers = models.DecimalField(**ROW_COUNT, null=True, blank=True)
    new_mrr = models.DecimalField("new MRR", **ROW_MONEY, null=True, blank=True)
    expansion_mrr = models.DecimalField("expansion MRR", **ROW_MONEY, null=True, blank=True)
    churned_mrr = models.DecimalField("churned MRR", **ROW_MONEY, null=True, blank=True)
    mrr = models.DecimalField("MRR", **ROW_MONEY, null=True, blank=True)
    # Commerce rows.
    returning_customers = models.DecimalField(**ROW_COUNT, null=True, blank=True)
    orders = models.DecimalField(**ROW_COUNT, null=True, blank=True)
    gross_sales = models.DecimalField(**ROW_MONEY, null=True, blank=True)
    discounts = models.DecimalField(**ROW_MONEY, null=True, blank=True)
    returns = models.DecimalField(**ROW_MONEY, null=True, blank=True)
    cm1 = models.DecimalField("CM1", **ROW_MONEY, null=True, blank=True)
    fulfilment_fees = models.DecimalField("fulfilment and fees", **ROW_MONEY, null=True, blank=True)
    cm3 = models.DecimalField("CM3", **ROW_MONEY, null=True, blank=True)
    inventory_cash = models.DecimalField(**ROW_MONEY, null=True, blank=True)
    #: Subscription: MRR; commerce: net sales.
    revenue = models.DecimalField(**ROW_MONEY)
    cogs = models.DecimalField("COGS", **ROW_MONEY)
    payment_fees = models.DecimalField(**ROW_MONEY)
    #: Subscription: revenue - COGS - fees; commerce: CM2 (CM1 - fulfilment and fees).
    gross_profit = models.DecimalField(**ROW_MONEY)
    ad_spend = models.DecimalField(**ROW_MONEY)
    fixed_costs = models.DecimalField(**ROW_MONEY)
    operating_profit = models.DecimalField(**ROW_MONEY)
    one_off_costs = models.DecimalField(**ROW_MONEY)
    cash = models.DecimalField(**ROW_MONEY)
    runway_months = models.DecimalField(max_digits=30, decimal_places=1, null=True, blank=True)

    class Meta:
        ordering = ["run", "month"]
        constraints = [
            models.UniqueConstraint(fields=["run", "month"], name="forecastmonth_run_month_unique")
        ]

    def __str__(self) -> str:
        return f"{self.run_id} month {self.month}"
