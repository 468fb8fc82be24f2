"""Targeting conditions: validation, evaluation and their GrowthBook form.

A condition is ``{"attribute": "country", "operator": "in", "value": ["CA", "US"]}``;
a rule's conditions must all hold. Each operator evaluates here exactly as the
GrowthBook SDKs evaluate the condition it is served as (``to_growthbook``), so a
user gets the same answer from Python and from a front end:

- ``equals``/``not_equals``/``in``/``not_in`` compare JSON values strictly (the
  number 1 is not the string "1" nor ``true``); ``in`` on a list attribute
  matches when the lists share an element;
- ``contains``/``not_contains`` look for a substring in a string attribute;
- ``gt``/``gte``/``lt``/``lte`` compare numbers with numbers only;
- ``version_*`` compare dotted versions ("1.10.0" > "1.9.2", "1.0.0" > "1.0.0-rc.1");
- ``regex`` searches a string attribute (pattern size limited by ``FLAGS_REGEX_MAX_LENGTH``; run
  in linear time on the first ``FLAGS_MAX_ATTRIBUTE_LENGTH`` characters, see ``flags.patterns``);
- ``exists``/``not_exists`` test presence (a null attribute is absent).
"""

import math
import re
from collections.abc import Callable
from typing import Any

from django.conf import settings

from flags import patterns

VALUE_OPERATORS = {"equals": "$eq", "not_equals": "$ne"}
LIST_OPERATORS = {"in": "$in", "not_in": "$nin"}
NUMBER_OPERATORS = {"gt": "$gt", "gte": "$gte", "lt": "$lt", "lte": "$lte"}
VERSION_OPERATORS = {
    "version_eq": "$veq",
    "version_ne": "$vne",
    "version_gt": "$vgt",
    "version_gte": "$vgte",
    "version_lt": "$vlt",
    "version_lte": "$vlte",
}
TEXT_OPERATORS = ("contains", "not_contains", "regex")
PRESENCE_OPERATORS = ("exists", "not_exists")
OPERATORS = (
    *VALUE_OPERATORS,
    *LIST_OPERATORS,
    *TEXT_OPERATORS,
    *NUMBER_OPERATORS,
    *VERSION_OPERATORS,
    *PRESENCE_OPERATORS,
)
ATTRIBUTE_NAME = re.compile(r"[A-Za-z_$][A-Za-z0-9_\-]{0,63}")
MAX_LIST_LENGTH = 1000
_JS_REGEX_SPECIALS = re.compile(r"[.*+?^${}()|\[\]\\/]")


class ConditionError(ValueError):
    """A condition is malformed; ``field`` names the part at fault."""

    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(f"{field}: {message}")


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | bool) or (is_number(value) and math.isfinite(value))


def validate(condition: Any) -> dict:
    """The condition, checked; raises ``ConditionError`` naming the bad field."""
    if not isinstance(condition, dict):
        raise ConditionError(
            "condition", 'must be an object like {"attribute": ..., "operator": ..., "value": ...}'
        )
    unknown = set(condition) - {"attribute", "operator", "value"}
    if unknown:
        raise ConditionError(sorted(unknown)[0], "unknown field (expected attribute, operator, value)")
    attribute = condition.get("attribute")
    if not isinstance(attribute, str) or not ATTRIBUTE_NAME.fullmatch(attribute):
        raise ConditionError(
            "attribute", f"{attribute!r} is not an attribute name (letters, digits, _ and -)"
        )
    operator = condition.get("operator")
    if operator not in OPERATORS:
        raise ConditionError(
            "operator", f"unknown operator {operator!r}; expected one of {', '.join(OPERATORS)}"
        )
    value = condition.get("value")
    if operator in VALUE_OPERATORS and not is_scalar(value):
        raise ConditionError("value", "must be a string, number, true/false or null")
    if operator in LIST_OPERATORS:
        if not isinstance(value, list) or not value or len(value) > MAX_LIST_LENGTH:
            raise ConditionError("value", f"must be a list of 1 to {MAX_LIST_LENGTH} values")
        if not all(is_scalar(item) for item in value):
            raise ConditionError("value", "list items must be strings, numbers, true/false or null")
    if operator in ("contains", "not_contains") and (not isinstance(value, str) or not value):
        raise ConditionError("value", "must be a non-empty string")
    if operator in NUMBER_OPERATORS and not (is_number(value) and math.isfinite(value)):
        raise ConditionError("value", "must be a number")
    if operator in VERSION_OPERATORS and (
        not isinstance(value, str) or not re.fullmatch(r"v?[0-9A-Za-z.+\-]+", value)
    ):
        raise ConditionError("value", f"{value!r} is not a version like 1.4.0")
    if operator == "regex":
        limit = settings.FLAGS_REGEX_MAX_LENGTH
        if not isinstance(value, str) or not value:
            raise ConditionError("value", "must be a regular expression")
        if len(value) > limit:
            raise ConditionError(
                "value", f"regular expression is {len(value)} characters; the limit is {limit}"
            )
        try:
            patterns.check(value)
        except patterns.PatternError as exc:
            raise ConditionError("value", str(exc)) from None
    return condition


def padded_version(value: str) -> str:
    """A version string that compares correctly as text, as the GrowthBook SDKs build it."""
    value = re.sub(r"^v|\+.*$", "", value or "0")
    parts = re.split(r"[-.]", value)
    if len(parts) == 3:
        # A release sorts after its pre-releases: "~" is above every letter and digit.
        parts.append("~")
    return "-".join(part.rjust(5) if part.isdigit() else part for part in parts)


def _typed(value: Any) -> tuple:
    """A key under which JSON values are equal exactly when they are in JavaScript (===)."""
    if isinstance(value, bool):
        return ("b", value)
    if is_number(value):
        return ("n", value)
    if isinstance(value, str):
        return ("s", value)
    if value is None:
        return ("z", None)
    return ("o", id(value))  # objects and lists are never equal to a literal


def _in(members: frozenset, actual: Any) -> bool:
    if isinstance(actual, list):
        return any(_typed(item) in members for item in actual)
    if isinstance(actual, dict):
        return False
    return _typed(actual) in members


def predicate(condition: dict) -> Callable[[Any], bool]:
    """A function of the attribute's value (None when absent) that says whether the condition holds."""
    op, expected = condition["operator"], condition.get("value")
    if op in VALUE_OPERATORS:
        key = _typed(expected)
        if op == "equals":
            return lambda actual: not isinstance(actual, list | dict) and _typed(actual) == key
        return lambda actual: isinstance(actual, list | dict) or _typed(actual) != key
    if op in LIST_OPERATORS:
        members = frozenset(_typed(item) for item in expected)
        if op == "in":
            return lambda actual: _in(members, actual)
        return lambda actual: not _in(members, actual)
    if op == "contains":
        return lambda actual: isinstance(actual, str) and expected in actual
    if op == "not_contains":
        return lambda actual: not (isinstance(actual, str) and expected in actual)
    if op == "regex":
        search = patterns.compile_search(expected)
        if search is None:
            return lambda actual: False
        return lambda actual: isinstance(actual, str) and search(actual)
    if op in NUMBER_OPERATORS:
        compare = {
            "gt": lambda a: a > expected,
            "gte": lambda a: a >= expected,
            "lt": lambda a: a < expected,
            "lte": lambda a: a <= expected,
        }[op]
        return lambda actual: is_number(actual) and not math.isnan(actual) and compare(actual)
    if op in VERSION_OPERATORS:
        wanted = padded_version(expected)
        compare = {
            "version_eq": lambda a: a == wanted,
            "version_ne": lambda a: a != wanted,
            "version_gt": lambda a: a > wanted,
            "version_gte": lambda a: a >= wanted,
            "version_lt": lambda a: a < wanted,
            "version_lte": lambda a: a <= wanted,
        }[op]
        mismatch = op == "version_ne"  # a non-string never equals a version
        return lambda actual: compare(padded_version(actual)) if isinstance(actual, str) else mismatch
    if op == "exists":
        return lambda actual: actual is not None
    return lambda actual: actual is None


def js_regex_escape(text: str) -> str:
    """Escape ``text`` for a regular expression read alike by JavaScript and Python."""
    return _JS_REGEX_SPECIALS.sub(lambda m: "\\" + m.group(0), text)


def _operator_object(condition: dict) -> dict:
    op, value = condition["operator"], condition.get("value")
    if op in VALUE_OPERATORS:
        return {VALUE_OPERATORS[op]: value}
    if op in LIST_OPERATORS:
        return {LIST_OPERATORS[op]: value}
    if op in NUMBER_OPERATORS:
        return {NUMBER_OPERATORS[op]: value}
    if op in VERSION_OPERATORS:
        return {VERSION_OPERATORS[op]: value}
    if op == "contains":
        return {"$regex": js_regex_escape(value)}
    if op == "not_contains":
        return {"$not": {"$regex": js_regex_escape(value)}}
    if op == "regex":
        return {"$regex": value}
    return {"$exists": op == "exists"}


def to_growthbook(conditions: list[dict]) -> dict | None:
    """The GrowthBook condition object for conditions that must all hold."""
    if not conditions:
        return None
    parts = [{c["attribute"]: _operator_object(c)} for c in conditions]
    return parts[0] if len(parts) == 1 else {"$and": parts}
