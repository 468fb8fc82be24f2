"""Admin forms: every driver with the note on where it came from, checked where it is typed."""

from django import forms
from django.conf import settings
from django.utils import timezone

from finance.drivers import (
    BY_NAME,
    COMMERCE,
    COMMERCE_BY_NAME,
    COMMERCE_DRIVERS,
    DRIVERS,
    SHARED_NAMES,
    SUBSCRIPTION,
    DriverError,
    clean_values,
    parse_month,
    parse_value,
    plain,
    range_problem,
)
from finance.models import AssumptionSet, Scenario


def source_field(name: str) -> str:
    return f"source_{name}"


def override_field(name: str) -> str:
    return f"override_{name}"


def notes_field(name: str) -> str:
    return f"notes_{name}"


class MonthField(forms.CharField):
    """A month typed as YYYY-MM (the browser's month picker), kept as its first day."""

    widget = forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM"})

    def prepare_value(self, value):
        return f"{value:%Y-%m}" if hasattr(value, "strftime") else value

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            return parse_month(value)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None


class OneOffCostsField(forms.CharField):
    """One cost per line: ``YYYY-MM amount label``; months and amounts are checked by the model."""

    widget = forms.Textarea(attrs={"rows": 4, "placeholder": "2026-03 12000 Trade show booth"})

    def prepare_value(self, value):
        if isinstance(value, list):
            return "\n".join(f"{e['month']} {e['amount']} {e.get('label', '')}".rstrip() for e in value)
        return value

    def bound_data(self, data, initial):
        # Shown back without blank lines, so "line 3" in a message is the third line on screen.
        return "\n".join(line for line in str(data or "").splitlines() if line.strip())

    def to_python(self, value):
        entries = []
        for number, line in enumerate(self.bound_data(value, None).splitlines(), start=1):
            parts = line.split(maxsplit=2)
            if len(parts) < 2:
                raise forms.ValidationError(f"line {number}: expected 'YYYY-MM amount label', got {line!r}")
            entries.append(
                {"month": parts[0], "amount": parts[1], "label": parts[2] if len(parts) > 2 else ""}
            )
        return entries


class RepeatCurveField(forms.CharField):
    """The repeat curve typed as percentages separated by commas: ``13.6, 9.2, 7.1``."""

    def prepare_value(self, value):
        if isinstance(value, list):
            return ", ".join(str(v) for v in value)
        return value

    def to_python(self, value):
        text = super().to_python(value) or ""
        return [part.strip() for part in text.replace(";", ",").split(",") if part.strip()]


def _assumption_set_fields() -> dict:
    fields = {
        "start_month": MonthField(help_text="The forecast's first month."),
        "repeat_curve": RepeatCurveField(
            required=False,
            label="Repeat curve (%)",
            widget=forms.TextInput(attrs={"size": 60, "placeholder": "13.6, 9.2, 7.1"}),
            help_text="Commerce: % of a month's new customers ordering again in month 1, 2, ... after it.",
        ),
        "one_off_costs": OneOffCostsField(
            required=False,
            label="One-off costs",
            help_text="One per line: month, amount, label (e.g. 2026-03 12000 Trade show booth). "
            "They lower cash in their month, not operating profit.",
        ),
    }
    for driver in DRIVERS:
        fields[source_field(driver.name)] = forms.CharField(
            required=False,
            max_length=500,
            label=f"Source of {driver.label.lower()}",
            widget=forms.TextInput(attrs={"size": 60}),
        )
    return fields


class AssumptionSetForm(forms.ModelForm):
    class Meta:
        model = AssumptionSet
        fields = [
            "name",
            "revenue_model",
            "start_month",
            "note",
            *BY_NAME,
            "commerce",
            "repeat_curve",
            "prior_cohorts",
            "one_off_costs",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        sources = self.instance.sources or {}
        for driver in DRIVERS:
            self.fields[source_field(driver.name)].initial = sources.get(driver.name, "")
        # An older form post without the model keeps the set's (or the subscription) model.
        self.fields["revenue_model"].required = False
        if not self.instance.pk:
            self.fields["revenue_model"].initial = COMMERCE
            self.fields["horizon_months"].initial = settings.FINANCE_DEFAULT_HORIZON_MONTHS
            self.fields["start_month"].initial = timezone.localdate().replace(day=1)

    @property
    def changed_data(self):
        # A post without the commerce fields (an older form) leaves them as they are: not a change.
        optional = {"revenue_model", "commerce", "repeat_curve", "prior_cohorts"}
        return [
            name
            for name in super().changed_data
            if name not in optional or self.add_prefix(name) in self.data
        ]

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("revenue_model"):
            cleaned["revenue_model"] = (
                self.instance.revenue_model if self.instance.pk else None
            ) or SUBSCRIPTION
        # Notes of the commerce drivers and the curve (calibration's) are kept; the typed ones replace theirs.
        kept = {k: v for k, v in (self.instance.sources or {}).items() if k not in BY_NAME}
        self.instance.sources = kept | {
            driver.name: cleaned[source_field(driver.name)].strip()
            for driver in DRIVERS
            if cleaned.get(source_field(driver.name), "").strip()
        }
        return cleaned


# Declared fields must exist when the class is built, so they are added here.
for _name, _field in _assumption_set_fields().items():
    AssumptionSetForm.base_fields[_name] = _field
    AssumptionSetForm.declared_fields[_name] = _field


def scenario_drivers(assumption_set: AssumptionSet | None) -> tuple:
    """The drivers a scenario of ``assumption_set`` can override: its revenue model's."""
    if assumption_set is None:
        return (*DRIVERS, *COMMERCE_DRIVERS)
    if assumption_set.is_commerce:
        return (*(BY_NAME[name] for name in SHARED_NAMES), *COMMERCE_DRIVERS)
    return DRIVERS


OVERRIDABLE = BY_NAME | COMMERCE_BY_NAME


class ScenarioForm(forms.ModelForm):
    """Overrides as one optional field per driver (blank: the set's value) with its note.

    A commerce set's scenario overrides the shared and the commerce drivers, a
    subscription set's the subscription drivers; an override the form does not
    show (another model's driver) is kept as it is.
    """

    class Meta:
        model = Scenario
        fields = ["name", "description", "assumption_set", "active", "position"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assumption_set"].queryset = AssumptionSet.objects.current()
        self.fields["assumption_set"].help_text = "The scenario follows this set's newer versions."
        if self.instance.assumption_set_id:
            current = self.instance.assumption_set
            values = current.driver_values() | (current.commerce_values() if current.is_commerce else {})
            for driver in scenario_drivers(current):
                value = plain(values[driver.name])
                self.fields[override_field(driver.name)].help_text = f"Blank: {value}, from {current}."
        for name, entry in (self.instance.overrides or {}).items():
            if name in OVERRIDABLE:
                self.fields[override_field(name)].initial = entry["value"]
                self.fields[notes_field(name)].initial = entry.get("notes", "")

    def clean(self):
        cleaned = super().clean()
        assumption_set = cleaned.get("assumption_set")
        shown = scenario_drivers(assumption_set)
        overrides = {
            name: entry
            for name, entry in (self.instance.overrides or {}).items()
            if name not in {driver.name for driver in shown}
        }
        values = {}
        for driver in shown:
            raw = (cleaned.get(override_field(driver.name)) or "").strip()
            if not raw:
                continue
            try:
                value = parse_value(driver, raw)
            except ValueError as exc:
                self.add_error(override_field(driver.name), f"{driver.label}: {exc}")
                continue
            problem = range_problem(driver, value)
            if problem:
                self.add_error(override_field(driver.name), f"{driver.label} {problem}")
                continue
            values[driver.name] = value
            overrides[driver.name] = {"value": str(value), "notes": cleaned.get(notes_field(driver.name), "")}
        if assumption_set and not self.errors:
            shared = {name: value for name, value in values.items() if name in BY_NAME}
            try:
                clean_values(assumption_set.driver_values() | shared)
            except DriverError as exc:
                for field, message in exc.problems:
                    target = override_field(field) if field in shared else None
                    self.add_error(target, f"{message} (with {assumption_set}'s other drivers)")
        self.instance.overrides = overrides
        return cleaned


for _driver in (*DRIVERS, *COMMERCE_DRIVERS):
    # Text, not DecimalField, so a bad value gets the driver's own message.
    _override = forms.CharField(
        required=False,
        label=_driver.label,
        help_text="Blank: the assumption set's value.",
        widget=forms.TextInput(attrs={"size": 12}),
    )
    _notes = forms.CharField(
        required=False, max_length=500, label="Why", widget=forms.TextInput(attrs={"size": 50})
    )
    for _name, _field in ((override_field(_driver.name), _override), (notes_field(_driver.name), _notes)):
        ScenarioForm.base_fields[_name] = _field
        ScenarioForm.declared_fields[_name] = _field
