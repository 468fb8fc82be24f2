"""Evaluating compiled flags against a user's attributes: no database, no cache.

``compile_flag`` turns a flag's rules into plain objects with everything
precomputed (predicates, the seed's hash state, integer bucket thresholds);
``evaluate`` walks them in order as the GrowthBook SDKs walk a feature's rules.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flags import conditions, hashing

FORCE, ROLLOUT, EXPERIMENT = 0, 1, 2


@dataclass(frozen=True, slots=True)
class Exposure:
    """A user was assigned a variant of an experiment by a flag's rule."""

    experiment: str
    variant: str
    user_key: str


class CompiledRule:
    __slots__ = (
        "conditions",
        "experiment",
        "hash_attribute",
        "kind",
        "ranges",
        "state",
        "threshold",
        "value",
        "values",
        "variants",
    )

    def __init__(self, kind: int, conds: tuple[tuple[str, Callable[[Any], bool]], ...]):
        self.kind = kind
        self.conditions = conds
        self.value = None
        self.hash_attribute = "id"
        self.state = 0
        self.threshold = hashing.BUCKETS
        self.experiment = ""
        self.ranges: tuple[tuple[int, int], ...] = ()
        self.values: tuple = ()
        self.variants: tuple[str, ...] = ()


class CompiledFlag:
    __slots__ = ("default", "enabled", "key", "rules", "seen")

    def __init__(self, key: str, enabled: bool, default: Any, rules: tuple[CompiledRule, ...]):
        self.key = key
        self.enabled = enabled
        self.default = default
        self.rules = rules
        self.seen = False  # evaluated since the last write of last_evaluated_at


def compile_conditions(conds: list[dict]) -> tuple:
    return tuple((c["attribute"], conditions.predicate(c)) for c in conds)


def compile_value_rule(flag_key: str, rule: dict) -> CompiledRule:
    if "percentage" not in rule:
        compiled = CompiledRule(FORCE, compile_conditions(rule.get("conditions", [])))
    else:
        compiled = CompiledRule(ROLLOUT, compile_conditions(rule.get("conditions", [])))
        compiled.hash_attribute = rule.get("hash_attribute", "id")
        compiled.state = hashing.seed_state(rule.get("seed") or flag_key)
        compiled.threshold = hashing.threshold(rule["percentage"] / 100)
    compiled.value = rule["value"]
    return compiled


def compile_experiment_rule(rule: dict, experiment_key: str, variants: list[dict]) -> CompiledRule:
    compiled = CompiledRule(EXPERIMENT, compile_conditions(rule.get("conditions", [])))
    compiled.hash_attribute = rule.get("hash_attribute", "id")
    compiled.state = hashing.seed_state(experiment_key)
    coverage = rule.get("coverage", 100) / 100
    weights = [float(v["weight"]) for v in variants]
    compiled.ranges = hashing.integer_ranges(hashing.bucket_ranges(len(variants), coverage, weights))
    compiled.experiment = experiment_key
    compiled.values = tuple(v["value"] for v in variants)
    compiled.variants = tuple(v["key"] for v in variants)
    return compiled


def hash_value(value: Any) -> str:
    """The text a user's hash attribute is bucketed on, as the SDKs form it: a
    non-empty string, or a finite non-zero number written as JavaScript does;
    anything else is "" (the user cannot be bucketed)."""
    if type(value) is str:
        return value
    if isinstance(value, bool) or not isinstance(value, int | float) or not value:
        return ""
    if isinstance(value, int):
        return str(value) if abs(value) < 10**21 else hash_value(float(value))
    if not math.isfinite(value):
        return ""
    if value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    if 1e-6 <= abs(value) < 1e21:
        return format(Decimal(repr(value)), "f")  # shortest digits, fixed notation
    mantissa, exponent = repr(value).split("e")
    return f"{mantissa}e{'-' if exponent.startswith('-') else '+'}{int(exponent.lstrip('+-'))}"


def matches(conds: tuple, attributes: dict) -> bool:
    for name, holds in conds:  # noqa: SIM110 - a loop is faster than all() on the hot path
        if not holds(attributes.get(name)):
            return False
    return True


def evaluate(flag: CompiledFlag, attributes: dict) -> tuple[Any, Exposure | None]:
    """The flag's value for these attributes (None when the flag is off), and
    the experiment exposure it caused, if any."""
    flag.seen = True
    if not flag.enabled:
        return None, None
    for rule in flag.rules:
        if rule.conditions and not matches(rule.conditions, attributes):
            continue
        kind = rule.kind
        if kind == FORCE:
            return rule.value, None
        raw = attributes.get(rule.hash_attribute)
        key = raw if type(raw) is str else hash_value(raw)
        if not key:
            continue
        bucket = hashing.bucket_v2(rule.state, key)
        if kind == ROLLOUT:
            if bucket < rule.threshold:
                return rule.value, None
            continue
        for index, (low, high) in enumerate(rule.ranges):
            if low <= bucket < high:
                return rule.values[index], Exposure(rule.experiment, rule.variants[index], key)
    return flag.default, None


def js_truthy(value: Any) -> bool:
    """Whether a flag counts as on: JavaScript truthiness, as the SDKs' ``isOn``."""
    if value is None or value is False or value == "":
        return False
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value != 0 and not (isinstance(value, float) and math.isnan(value))
    return True
