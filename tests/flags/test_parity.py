"""Our answers equal the growthbook package's, evaluating the payload we serve."""

import random

import pytest
from growthbook import GrowthBook

from flags import engine, payload, snapshot
from flags.models import Experiment
from tests.flags.conftest import ExperimentFactory, FlagFactory

pytestmark = pytest.mark.django_db
USERS = 10_000


def user_ids(kind: str) -> list:
    rng = random.Random(kind)
    if kind == "ascii":
        return [f"user-{i}" for i in range(USERS)]
    if kind == "non-ascii":
        stems = ["josé", "ユーザー", "Zoë", "😀-fan", "Øyvind", "мария", "李"]
        return [f"{rng.choice(stems)}-{i}" for i in range(USERS)]
    return [rng.choice([i, f"{i}", f"c{i}@example.com", float(i) + 0.5]) for i in range(1, USERS + 1)]


def attributes(ids: list) -> list[dict]:
    rng = random.Random(7)
    return [
        {
            "id": uid,
            "country": rng.choice(["CA", "US", "FR", None]),
            "appVersion": rng.choice(["1.9.2", "1.10.0", "2.0.0-rc.1", "2.0.0", "v2.1"]),
            "age": rng.choice([17, 18, 30, 65.5, "30", None]),
            "email": rng.choice(["a@shop.example", "b@gmail.com", "", None]),
            "plan": rng.choice(["pro", "free", ["pro", "beta"], []]),
        }
        for uid in ids
    ]


def compare(flag_key: str, users: list[dict]) -> tuple[int, int]:
    snap = snapshot.build()
    gb = GrowthBook(features=payload.sdk_payload(snap)["features"])
    mismatches = on = 0
    for attrs in users:
        gb.set_attributes(attrs)
        theirs = gb.eval_feature(flag_key).value
        ours, _ = engine.evaluate(snap.flags[flag_key], attrs)
        mismatches += ours != theirs or type(ours) is not type(theirs)
        on += bool(ours)
    gb.destroy()
    return mismatches, on


@pytest.mark.parametrize("ids", ["ascii", "non-ascii", "mixed"])
@pytest.mark.parametrize(
    ("percentage", "seed"), [(50, None), (33.33, "winter-sale"), (5, "é-seed"), (100, "x")]
)
def test_it_rolls_out_to_the_same_users_as_growthbook(ids, percentage, seed):
    rule = {"percentage": percentage, "value": True, **({"seed": seed} if seed else {})}
    FlagFactory(key="rollout", rules=[rule])
    mismatches, on = compare("rollout", attributes(user_ids(ids)))
    assert mismatches == 0
    assert abs(on / USERS - percentage / 100) < 0.02


@pytest.mark.parametrize("ids", ["ascii", "non-ascii", "mixed"])
@pytest.mark.parametrize(
    ("weights", "coverage"), [([0.5, 0.5], 100), ([0.2, 0.3, 0.5], 80), ([0.1, 0.9], 37.5)]
)
def test_it_assigns_the_same_variants_as_growthbook(ids, weights, coverage):
    flag = FlagFactory(key="layout", value_type="string", default_value="classic")
    variants = [{"key": f"v{i}", "weight": w, "value": f"layout-{i}"} for i, w in enumerate(weights)]
    ExperimentFactory(key="layout-test", flag=flag, variants=variants, status=Experiment.Status.RUNNING)
    flag.rules = [{"experiment": "layout-test", "coverage": coverage}]
    flag.save()
    mismatches, _ = compare("layout", attributes(user_ids(ids)))
    assert mismatches == 0


CONDITION_RULES = [
    {"attribute": "country", "operator": "in", "value": ["CA", "US"]},
    {"attribute": "country", "operator": "not_in", "value": ["FR"]},
    {"attribute": "country", "operator": "equals", "value": "CA"},
    {"attribute": "country", "operator": "not_equals", "value": "CA"},
    {"attribute": "email", "operator": "contains", "value": "@shop.example"},
    {"attribute": "email", "operator": "not_contains", "value": "gmail"},
    {"attribute": "email", "operator": "regex", "value": "^[ab]@"},
    {"attribute": "appVersion", "operator": "version_gte", "value": "1.10.0"},
    {"attribute": "appVersion", "operator": "version_lt", "value": "2.0.0"},
    {"attribute": "appVersion", "operator": "version_ne", "value": "2.0.0"},
    {"attribute": "age", "operator": "gte", "value": 18},
    {"attribute": "age", "operator": "lt", "value": 65},
    {"attribute": "plan", "operator": "in", "value": ["beta"]},
    {"attribute": "plan", "operator": "equals", "value": "pro"},
    {"attribute": "email", "operator": "exists"},
    {"attribute": "country", "operator": "not_exists"},
]


@pytest.mark.parametrize("condition", CONDITION_RULES, ids=lambda c: f"{c['attribute']}-{c['operator']}")
def test_it_targets_the_same_users_as_growthbook(condition):
    FlagFactory(key="targeted", rules=[{"conditions": [condition], "value": True}])
    mismatches, on = compare("targeted", attributes(user_ids("mixed"))[:2000])
    assert mismatches == 0
    assert 0 < on < 2000  # the condition really splits users


def test_it_agrees_with_growthbook_on_rules_in_order_with_several_conditions():
    flag = FlagFactory(key="checkout", value_type="number", default_value=0)
    flag.rules = [
        {
            "conditions": [
                {"attribute": "country", "operator": "in", "value": ["CA"]},
                {"attribute": "age", "operator": "gte", "value": 18},
            ],
            "value": 1,
        },
        {
            "conditions": [{"attribute": "plan", "operator": "in", "value": ["pro"]}],
            "percentage": 40,
            "value": 2,
        },
        {"percentage": 10, "seed": "tail", "value": 3},
    ]
    flag.save()
    mismatches, _ = compare("checkout", attributes(user_ids("mixed")))
    assert mismatches == 0
