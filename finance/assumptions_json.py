"""Assumption sets as JSON files, in the shape of the original plan's ``assumptions.json``.

    {
      "title": "...", "currency": "USD", "timezone": "America/Toronto",
      "name": "Demo plan", "version": 3, "start_month": "2026-01", "notes": "...",
      "shared_assumptions": {"price": {"value": "49.00", "notes": "where it came from"}, ...},
      "one_off_costs": [{"month": "2026-03", "amount": "12000.00", "label": "..."}],
      "scenarios": {"Base": {"description": "...", "assumptions": {}},
                    "Optimistic": {"assumptions": {"churn_pct": {"value": "3", "notes": "..."}}}}
    }

An import checks the whole file first and lists every problem (one message
each, with its path in the file); only a clean file is written, in one
transaction: a new version of the set (none when nothing changed) and the
scenarios it names.
"""

import json
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from bizops.core.imports import ImportRefused, check_rows, loads_json
from finance.drivers import (
    BY_NAME,
    COMMERCE,
    COMMERCE_BY_NAME,
    NAMES,
    REVENUE_MODELS,
    SUBSCRIPTION,
    DriverError,
    clean_commerce_values,
    clean_one_offs,
    clean_prior_cohorts,
    clean_repeat_curve,
    clean_values,
    parse_month,
    plain,
)
from finance.models import AssumptionSet, Scenario, clean_overrides
from finance.versions import differences, latest, save_new_version

FORMAT_VERSION = 1
METADATA_KEYS = {"title", "format_version", "currency", "timezone", "version", "exported_at", "created_by"}
KNOWN_KEYS = METADATA_KEYS | {
    "revenue_model",
    "commerce_assumptions",
    "repeat_curve",
    "prior_cohorts",
    "name",
    "start_month",
    "notes",
    "shared_assumptions",
    "one_off_costs",
    "scenarios",
}
SCENARIO_KEYS = {"description", "assumptions", "active", "position"}


class AssumptionImportError(Exception):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass
class ParsedScenario:
    name: str
    description: str
    overrides: dict
    active: bool = True
    position: int = 0


@dataclass
class ParsedFile:
    name: str
    start_month: object
    values: dict[str, Decimal]
    sources: dict[str, str]
    one_off_costs: list[dict]
    note: str
    scenarios: list[ParsedScenario] = field(default_factory=list)
    revenue_model: str = SUBSCRIPTION
    commerce: dict = field(default_factory=dict)
    repeat_curve: list = field(default_factory=list)
    prior_cohorts: list = field(default_factory=list)

    def draft(self) -> AssumptionSet:
        return AssumptionSet(
            name=self.name,
            revenue_model=self.revenue_model,
            commerce=self.commerce,
            repeat_curve=self.repeat_curve,
            prior_cohorts=self.prior_cohorts,
            start_month=self.start_month,
            one_off_costs=self.one_off_costs,
            sources=self.sources,
            note=self.note,
            **self.values,
        )


@dataclass
class ImportResult:
    assumption_set: AssumptionSet
    created_version: bool
    changes: list[tuple[str, object, object]]
    scenarios_created: list[str]
    scenarios_updated: list[str]


def export_assumption_set(assumption_set: AssumptionSet) -> dict:
    sources = assumption_set.sources or {}
    shared = {}
    for name in NAMES:
        value = getattr(assumption_set, name)
        shared[name] = {
            "value": value if isinstance(value, int) else f"{value:.{BY_NAME[name].places}f}",
            "notes": sources.get(name, ""),
        }
    scenarios = {}
    for scenario in Scenario.objects.filter(assumption_set__name=assumption_set.name).order_by(
        "position", "name"
    ):
        scenarios[scenario.name] = {
            "description": scenario.description,
            "active": scenario.active,
            "position": scenario.position,
            "assumptions": scenario.overrides or {},
        }
    commerce = {}
    if assumption_set.is_commerce:
        commerce = {
            "revenue_model": COMMERCE,
            "commerce_assumptions": {
                name: {"value": plain(value), "notes": sources.get(name, "")}
                for name, value in assumption_set.commerce_values().items()
            },
            "repeat_curve": {
                "value": list(assumption_set.repeat_curve or []),
                "notes": sources.get("repeat_curve", ""),
            },
            "prior_cohorts": assumption_set.prior_cohorts or [],
        }
    return {
        "title": "bizops forecast assumptions",
        "format_version": FORMAT_VERSION,
        "currency": settings.REPORTING_CURRENCY,
        "timezone": settings.REPORTING_TIMEZONE,
        **commerce,
        "name": assumption_set.name,
        "version": assumption_set.version,
        "exported_at": timezone.now().isoformat(timespec="seconds"),
        "start_month": f"{assumption_set.start_month:%Y-%m}",
        "notes": assumption_set.note,
        "shared_assumptions": shared,
        "one_off_costs": assumption_set.one_off_costs or [],
        "scenarios": scenarios,
    }


def dumps(data: dict) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def loads(text: str | bytes) -> dict:
    """JSON with numbers read as Decimal (never float); AssumptionImportError when unreadable."""
    try:
        return loads_json(text, parse_float=Decimal)
    except ImportRefused as exc:
        raise AssumptionImportError([str(exc)]) from None


def _shared(raw, problems: list[str]) -> tuple[dict, dict]:
    if not isinstance(raw, dict):
        problems.append("shared_assumptions: must be an object of {driver: {value, notes}}")
        return {}, {}
    values, sources = {}, {}
    for name, entry in raw.items():
        where = f"shared_assumptions.{name}"
        if isinstance(entry, dict):
            unknown = set(entry) - {"value", "notes"}
            if unknown:
                problems.append(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
            if "value" not in entry:
                problems.append(f"{where}: has no value")
                continue
            notes = entry.get("notes", "")
            if not isinstance(notes, str):
                problems.append(f"{where}.notes: {notes!r} is not text")
            elif notes:
                sources[name] = notes
            values[name] = entry["value"]
        else:
            values[name] = entry
    return values, sources


def parse(data) -> ParsedFile:
    """Check a whole file; AssumptionImportError lists every problem found."""
    if not isinstance(data, dict):
        raise AssumptionImportError(["the file must hold one JSON object"])
    for key in ("one_off_costs", "scenarios"):
        if isinstance(data.get(key), (list, dict)):
            try:
                check_rows(len(data[key]), noun="entries", what=key)
            except ImportRefused as exc:
                raise AssumptionImportError([str(exc)]) from None
    problems: list[str] = []
    for key in sorted(set(data) - KNOWN_KEYS):
        problems.append(f"{key}: unknown key")
    currency = data.get("currency")
    if currency not in (None, settings.REPORTING_CURRENCY):
        problems.append(
            f"currency: the file is in {currency!r}; bizops reports in {settings.REPORTING_CURRENCY}"
        )
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.append("name: missing (the assumption set's name)")
        name = ""
    elif len(name) > 100:
        problems.append("name: longer than 100 characters")
    try:
        start_month = parse_month(data.get("start_month"))
    except ValueError as exc:
        problems.append(f"start_month: {exc}" if "start_month" in data else "start_month: missing (YYYY-MM)")
        start_month = None
    note = data.get("notes", "")
    if not isinstance(note, str):
        problems.append(f"notes: {note!r} is not text")
        note = ""

    raw_values, sources = (
        _shared(data.get("shared_assumptions"), problems) if "shared_assumptions" in data else ({}, {})
    )
    if "shared_assumptions" not in data:
        problems.append("shared_assumptions: missing (the drivers)")
    values: dict[str, Decimal] = {}
    try:
        values = clean_values(raw_values, prefix="shared_assumptions.")
    except DriverError as exc:
        problems += [f"{where}: {message}" for where, message in exc.problems]
    horizon = int(values["horizon_months"]) if "horizon_months" in values else None
    one_offs: list[dict] = []
    try:
        one_offs = clean_one_offs(data.get("one_off_costs"), start=start_month, horizon=horizon)
    except DriverError as exc:
        problems += [f"{where}: {message}" for where, message in exc.problems]
    scenarios = _scenarios(data.get("scenarios"), problems)
    model, commerce, curve, cohorts = _commerce(data, sources, problems)
    if problems:
        raise AssumptionImportError(problems)
    # Whole-number drivers are integer fields.
    values["horizon_months"] = int(values["horizon_months"])
    values["starting_customers"] = int(values["starting_customers"])
    return ParsedFile(
        name.strip(), start_month, values, sources, one_offs, note, scenarios, model, commerce, curve, cohorts
    )


def _commerce(data: dict, sources: dict, problems: list[str]) -> tuple[str, dict, list, list]:
    """A file's commerce parts: revenue_model, commerce_assumptions, repeat_curve, prior_cohorts."""
    model = data.get("revenue_model", SUBSCRIPTION)
    if model not in dict(REVENUE_MODELS):
        problems.append(f"revenue_model: {model!r} is not one of {', '.join(dict(REVENUE_MODELS))}")
        return SUBSCRIPTION, {}, [], []
    if model != COMMERCE:
        for key in ("commerce_assumptions", "repeat_curve", "prior_cohorts"):
            if key in data:
                problems.append(f"{key}: only for revenue_model commerce")
        return model, {}, [], []
    raw = data.get("commerce_assumptions") or {}
    commerce: dict = {}
    if not isinstance(raw, dict):
        problems.append("commerce_assumptions: must be an object of {driver: {value, notes}}")
    else:
        values = {}
        for name, entry in raw.items():
            if isinstance(entry, dict):
                values[name] = entry.get("value")
                if isinstance(entry.get("notes"), str) and entry["notes"] and name in COMMERCE_BY_NAME:
                    sources[name] = entry["notes"]
            else:
                values[name] = entry
        try:
            commerce = {k: plain(v) for k, v in clean_commerce_values(values).items()}
        except DriverError as exc:
            problems += [f"commerce_assumptions.{where}: {message}" for where, message in exc.problems]
    curve_entry = data.get("repeat_curve") or {}
    if isinstance(curve_entry, dict):
        if isinstance(curve_entry.get("notes"), str) and curve_entry["notes"]:
            sources["repeat_curve"] = curve_entry["notes"]
        curve_entry = curve_entry.get("value")
    curve, cohorts = [], []
    try:
        curve = clean_repeat_curve(curve_entry)
    except DriverError as exc:
        problems += [f"{where}: {message}" for where, message in exc.problems]
    try:
        cohorts = clean_prior_cohorts(data.get("prior_cohorts"))
    except DriverError as exc:
        problems += [f"{where}: {message}" for where, message in exc.problems]
    return model, commerce, curve, cohorts


def _scenarios(raw, problems: list[str]) -> list[ParsedScenario]:
    if raw in (None, {}):
        return []
    if not isinstance(raw, dict):
        problems.append("scenarios: must be an object of {name: {description, assumptions}}")
        return []
    parsed = []
    for name, entry in raw.items():
        where = f"scenarios.{name}"
        if not name.strip() or len(name) > 100:
            problems.append(f"{where}: a scenario name must have 1 to 100 characters")
            continue
        if not isinstance(entry, dict):
            problems.append(f"{where}: must be an object with description and assumptions")
            continue
        for key in sorted(set(entry) - SCENARIO_KEYS):
            problems.append(f"{where}.{key}: unknown key")
        description = entry.get("description", "")
        if not isinstance(description, str):
            problems.append(f"{where}.description: {description!r} is not text")
        active = entry.get("active", True)
        if not isinstance(active, bool):
            problems.append(f"{where}.active: {active!r} is not true or false")
        position = entry.get("position", 0)
        if isinstance(position, bool) or not isinstance(position, int) or not 0 <= position <= 1000:
            problems.append(f"{where}.position: {position!r} is not a whole number from 0 to 1000")
        try:
            overrides = clean_overrides(entry.get("assumptions") or {})
        except DriverError as exc:
            problems += [f"{where}.assumptions.{field}: {message}" for field, message in exc.problems]
            continue
        parsed.append(ParsedScenario(name.strip(), str(description), overrides, active is True, position))
    return parsed


def plan(parsed: ParsedFile) -> list[str]:
    """What an import of ``parsed`` would do, in words, for the preview."""
    current = latest(parsed.name)
    changes = differences(current, parsed.draft())
    lines = []
    if current is None:
        lines.append(f"creates the assumption set {parsed.name} v1")
    elif changes:
        changed = ", ".join(
            f"{field} {before} → {after}" for field, before, after in changes if field in NAMES
        )
        others = [field for field, _, _ in changes if field not in NAMES]
        detail = "; ".join(filter(None, [changed, f"also {', '.join(others)}" if others else ""]))
        lines.append(f"creates {parsed.name} v{current.version + 1} ({detail}); v{current.version} is kept")
    else:
        lines.append(f"{parsed.name} v{current.version} is unchanged: no new version")
    existing = {s.name: s for s in Scenario.objects.select_related("assumption_set")}
    for scenario in parsed.scenarios:
        before = existing.get(scenario.name)
        verb = "updates" if before else "creates"
        moved = (
            f" (moves it from {before.assumption_set.name})"
            if before and before.assumption_set.name != parsed.name
            else ""
        )
        lines.append(f"{verb} scenario {scenario.name}{moved}")
    return lines


@transaction.atomic
def apply(parsed: ParsedFile, *, user=None, keep_existing_scenarios: bool = False) -> ImportResult:
    """Save the file's set as a new version if it differs, and its scenarios.

    An import updates scenarios of the same name; ``keep_existing_scenarios``
    (seeding) only adds the missing ones, leaving a person's edits alone.
    """
    current = latest(parsed.name)
    draft = parsed.draft()
    changes = differences(current, draft)
    if current is None or changes:
        assumption_set = save_new_version(draft, user=user).assumption_set
    else:
        assumption_set = current
    created, updated = [], []
    for entry in parsed.scenarios:
        write = (
            Scenario.objects.get_or_create if keep_existing_scenarios else Scenario.objects.update_or_create
        )
        _, was_created = write(
            name=entry.name,
            defaults={
                "assumption_set": assumption_set,
                "description": entry.description,
                "overrides": entry.overrides,
                "active": entry.active,
                "position": entry.position,
            },
        )
        (created if was_created else updated).append(entry.name)
    return ImportResult(assumption_set, current is None or bool(changes), changes, created, updated)


def import_text(
    text: str | bytes, *, user=None, dry_run: bool = False
) -> tuple[ParsedFile, ImportResult | None]:
    parsed = parse(loads(text))
    return parsed, None if dry_run else apply(parsed, user=user)
