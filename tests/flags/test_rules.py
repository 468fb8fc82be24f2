"""Rules are validated on save, with the field at fault named."""

import pytest
from django.core.exceptions import ValidationError

from flags.models import Flag
from tests.flags.conftest import FlagFactory

pytestmark = pytest.mark.django_db


def errors(**fields) -> dict:
    flag = Flag(key="f", **fields)
    with pytest.raises(ValidationError) as caught:
        flag.full_clean()
    return caught.value.message_dict


def cond(**kw) -> dict:
    return {"attribute": "country", "operator": "equals", "value": "CA", **kw}


def test_it_refuses_an_unknown_operator_naming_the_rule_and_condition():
    message = errors(rules=[{"conditions": [cond(operator="is_like")], "value": True}])["rules"][0]
    assert message.startswith("rule 1, condition 1, operator: unknown operator 'is_like'")


@pytest.mark.parametrize("percentage", [-1, 100.5, 250, "50", True])
def test_it_refuses_a_percentage_outside_0_to_100(percentage):
    message = errors(rules=[{"value": True}, {"percentage": percentage, "value": True}])["rules"][0]
    assert message.startswith("rule 2, percentage:")


def test_it_refuses_a_regex_that_does_not_compile():
    message = errors(rules=[{"conditions": [cond(operator="regex", value="(unclosed")], "value": True}])[
        "rules"
    ][0]
    assert message.startswith("rule 1, condition 1, value: regular expression does not compile")


def test_it_refuses_a_regex_over_the_size_limit(settings):
    settings.FLAGS_REGEX_MAX_LENGTH = 10
    message = errors(rules=[{"conditions": [cond(operator="regex", value="a" * 11)], "value": True}])[
        "rules"
    ][0]
    assert message == "rule 1, condition 1, value: regular expression is 11 characters; the limit is 10"


def test_it_refuses_a_value_of_the_wrong_type():
    message = errors(value_type="number", default_value=0, rules=[{"value": "three"}])["rules"][0]
    assert message == "rule 1, value: must be a number (the flag's values are numbers)"


def test_it_refuses_a_default_value_of_the_wrong_type():
    assert "default_value" in errors(value_type="string", default_value=3)


def test_it_refuses_an_unknown_rule_field():
    assert errors(rules=[{"value": True, "percent": 5}])["rules"][0].startswith(
        "rule 1, percent: unknown field"
    )


def test_it_refuses_a_rule_that_ends_before_it_starts():
    rule = {"value": True, "starts_at": "2026-03-02T00:00", "ends_at": "2026-03-01T00:00"}
    assert errors(rules=[rule])["rules"][0] == "rule 1, ends_at: must be after starts_at"


def test_it_refuses_an_experiment_rule_for_an_unknown_experiment():
    assert errors(rules=[{"experiment": "nope"}])["rules"][0] == (
        "rule 1, experiment: experiment 'nope' does not exist yet: create it under "
        "Feature flags > Experiments first (its key must be 'nope'), "
        "or save the flag without this rule and add it afterwards"
    )


def test_it_refuses_a_number_comparison_against_text():
    message = errors(rules=[{"conditions": [cond(operator="gt", value="18")], "value": True}])["rules"][0]
    assert message == "rule 1, condition 1, value: must be a number"


def test_it_accepts_every_operator_with_a_proper_value():
    rules = [
        {"conditions": [cond(operator="in", value=["CA", "US"])], "value": True},
        {"conditions": [cond(operator="not_in", value=["FR"])], "value": True},
        {"conditions": [cond(operator="contains", value="C")], "value": True},
        {"conditions": [cond(operator="version_gte", value="1.2.0")], "value": True},
        {"conditions": [cond(operator="lte", value=3.5)], "value": True},
        {"conditions": [cond(operator="regex", value="^C")], "value": True},
        {"conditions": [{"attribute": "email", "operator": "exists"}], "percentage": 12.5, "value": True},
    ]
    FlagFactory.build(key="ok", rules=rules).full_clean()


def test_it_refuses_a_regex_with_a_repeat_inside_a_repeat_naming_the_rule():
    message = errors(
        rules=[
            {"value": True},
            {"conditions": [cond(attribute="email", operator="regex", value="(a+)+$")], "value": True},
        ]
    )["rules"][0]
    assert message.startswith(
        "rule 2, condition 1, value: regular expression '(a+)+$' nests a repeat inside a repeat"
    )


@pytest.mark.parametrize("pattern", [r"^(a)\1", r"(?=admin)a", r"(?<!x)y"])
def test_it_refuses_a_regex_that_linear_time_matching_cannot_run(pattern):
    message = errors(rules=[{"conditions": [cond(operator="regex", value=pattern)], "value": True}])["rules"][
        0
    ]
    assert "uses a feature linear-time matching cannot run" in message


@pytest.mark.parametrize("pattern", [r"^[ab]@", r"@example\.(com|org)$", r"a+b+", r"(ab){3}"])
def test_it_accepts_ordinary_regexes(pattern):
    Flag(key="f", rules=[{"conditions": [cond(operator="regex", value=pattern)], "value": True}]).full_clean()
