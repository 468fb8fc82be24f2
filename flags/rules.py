"""A flag's rules: their JSON shape, validation and timing.

Rules are tried in order; the first that applies to a user decides the value.

    {"conditions": [...], "value": true}                     force a value for matching users
    {"conditions": [...], "percentage": 25, "value": true,   roll a value out to 25% of matching users,
     "hash_attribute": "id", "seed": "new-checkout"}         bucketed on ``id`` with the seed
                                                             (default: the flag key)
    {"conditions": [...], "experiment": "checkout-copy",     assign matching users to an experiment's
     "coverage": 100}                                        variants (seed: the experiment key)

Every rule may also carry ``description`` and ``starts_at`` / ``ends_at``
(ISO 8601; without an offset, in the reporting time zone): the rule applies
only from / until then.
"""

import zoneinfo
from datetime import datetime
from typing import Any

from django.conf import settings

from flags import conditions

RULE_FIELDS = {
    "description",
    "conditions",
    "value",
    "percentage",
    "hash_attribute",
    "seed",
    "experiment",
    "coverage",
    "starts_at",
    "ends_at",
}
MAX_RULES = 100
MAX_CONDITIONS = 50


class RuleError(ValueError):
    """A rule is malformed: ``field`` is the path of the part at fault, e.g. ``rule 2, percentage``."""

    def __init__(self, field: str, message: str):
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


def check_value(value: Any, value_type: str) -> str | None:
    """Why ``value`` is not of the flag's value type, or None."""
    if value_type == "boolean" and not isinstance(value, bool):
        return "must be true or false (the flag is boolean)"
    if value_type == "string" and not isinstance(value, str):
        return "must be a string (the flag's values are strings)"
    if value_type == "number" and not conditions.is_number(value):
        return "must be a number (the flag's values are numbers)"
    return None


def parse_time(value: Any) -> datetime:
    """An ISO 8601 date-time; without an offset it is read in the reporting time zone."""
    if not isinstance(value, str):
        raise ValueError("must be an ISO 8601 date-time like 2026-03-01T09:00:00-05:00")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not an ISO 8601 date-time like 2026-03-01T09:00:00-05:00") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zoneinfo.ZoneInfo(settings.REPORTING_TIMEZONE))
    return moment


def _percentage(rule: dict, name: str, where: str) -> None:
    value = rule[name]
    if not conditions.is_number(value) or not 0 <= value <= 100:
        raise RuleError(f"{where}, {name}", f"{value!r} is outside 0 to 100")


def validate_rule(rule: Any, index: int, value_type: str) -> dict:
    where = f"rule {index + 1}"
    if not isinstance(rule, dict):
        raise RuleError(where, "must be an object")
    unknown = set(rule) - RULE_FIELDS
    if unknown:
        raise RuleError(
            f"{where}, {sorted(unknown)[0]}", f"unknown field (expected {', '.join(sorted(RULE_FIELDS))})"
        )
    conds = rule.get("conditions", [])
    if not isinstance(conds, list) or len(conds) > MAX_CONDITIONS:
        raise RuleError(f"{where}, conditions", f"must be a list of at most {MAX_CONDITIONS} conditions")
    for number, condition in enumerate(conds, start=1):
        try:
            conditions.validate(condition)
        except conditions.ConditionError as exc:
            raise RuleError(f"{where}, condition {number}, {exc.field}", str(exc).split(": ", 1)[1]) from None
    if "experiment" in rule:
        if not isinstance(rule["experiment"], str) or not rule["experiment"]:
            raise RuleError(f"{where}, experiment", "must be an experiment key")
        for name in ("value", "percentage", "seed"):
            if name in rule:
                raise RuleError(
                    f"{where}, {name}", "an experiment rule takes its values and seed from the experiment"
                )
        if "coverage" in rule:
            _percentage(rule, "coverage", where)
    else:
        if "value" not in rule:
            raise RuleError(f"{where}, value", "is required (the value served to users the rule applies to)")
        problem = check_value(rule["value"], value_type)
        if problem:
            raise RuleError(f"{where}, value", problem)
        if "coverage" in rule:
            raise RuleError(f"{where}, coverage", "only experiment rules have a coverage; use percentage")
        if "percentage" in rule:
            _percentage(rule, "percentage", where)
        if "seed" in rule and not isinstance(rule["seed"], str):
            raise RuleError(f"{where}, seed", "must be a string")
    hash_attribute = rule.get("hash_attribute", "id")
    if not isinstance(hash_attribute, str) or not conditions.ATTRIBUTE_NAME.fullmatch(hash_attribute):
        raise RuleError(f"{where}, hash_attribute", f"{hash_attribute!r} is not an attribute name")
    moments = {}
    for name in ("starts_at", "ends_at"):
        if name in rule:
            try:
                moments[name] = parse_time(rule[name])
            except ValueError as exc:
                raise RuleError(f"{where}, {name}", str(exc)) from None
    if len(moments) == 2 and moments["starts_at"] >= moments["ends_at"]:
        raise RuleError(f"{where}, ends_at", "must be after starts_at")
    return rule


def validate_rules(rules: Any, value_type: str) -> list[dict]:
    if not isinstance(rules, list):
        raise RuleError("rules", "must be a list of rules")
    if len(rules) > MAX_RULES:
        raise RuleError("rules", f"at most {MAX_RULES} rules")
    return [validate_rule(rule, index, value_type) for index, rule in enumerate(rules)]


def window(rule: dict) -> tuple[datetime | None, datetime | None]:
    starts = parse_time(rule["starts_at"]) if "starts_at" in rule else None
    ends = parse_time(rule["ends_at"]) if "ends_at" in rule else None
    return starts, ends


def is_active(rule: dict, now: datetime) -> bool:
    starts, ends = window(rule)
    return (starts is None or starts <= now) and (ends is None or now < ends)


def splits_users(rule: dict) -> bool:
    """Whether the rule may give different users different answers."""
    if rule.get("conditions") or "experiment" in rule or "starts_at" in rule or "ends_at" in rule:
        return True
    return "percentage" in rule and 0 < rule["percentage"] < 100


def never_applies(rule: dict) -> bool:
    return rule.get("percentage") == 0 or ("experiment" in rule and rule.get("coverage") == 0)


def uniform_value(rules: list[dict], default: Any) -> tuple[bool, Any]:
    """(True, value) when every user gets the same value from these rules; (False, None) otherwise."""
    for rule in rules:
        if never_applies(rule):
            continue
        if splits_users(rule):
            return False, None
        return True, rule["value"]
    return True, default
