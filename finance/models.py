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
    COUNT,
    DECIMAL_PLACES,
    DRIVERS,
    MAX_DIGITS,
    MONEY,
    PERCENT,
    WHOLE,
    DriverError,
    clean_one_offs,
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
        unknown = set(self.sources or {}) - set(BY_NAME) - {"start_month", "one_off_costs"}
        if unknown:
            errors.setdefault("sources", []).append(f"unknown driver(s): {', '.join(sorted(unknown))}")
        if errors:
            raise ValidationError(errors)

    @property
    def is_current(self) -> bool:
        return not AssumptionSet.objects.filter(name=self.name, version__gt=self.version).exists()

    def driver_values(self) -> dict[str, Decimal]:
        return {name: Decimal(getattr(self, name)) for name in BY_NAME}


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
                clean_values(self.assumption_set.driver_values() | self.override_values())
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
    try:
        cleaned = clean_values(values, required=False)
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
    month_12_mrr = models.DecimalField("month-12 MRR", **ROW_MONEY)
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


class ForecastMonth(models.Model):
    run = models.ForeignKey(ForecastRun, on_delete=models.CASCADE, related_name="months")
    month = models.PositiveSmallIntegerField()
    period = models.DateField()
    new_customers = models.DecimalField(**ROW_COUNT)
    churned_customers = models.DecimalField(**ROW_COUNT)
    active_customers = models.DecimalField(**ROW_COUNT)
    new_mrr = models.DecimalField("new MRR", **ROW_MONEY)
    expansion_mrr = models.DecimalField("expansion MRR", **ROW_MONEY)
    churned_mrr = models.DecimalField("churned MRR", **ROW_MONEY)
    mrr = models.DecimalField("MRR", **ROW_MONEY)
    revenue = models.DecimalField(**ROW_MONEY)
    cogs = models.DecimalField("COGS", **ROW_MONEY)
    payment_fees = models.DecimalField(**ROW_MONEY)
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
