"""Evaluating flags from code: the snapshot, kill switch, schedules, version checks."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

import flags
from flags import snapshot
from flags.models import Flag, ScheduledChange
from tests.factories import UserFactory
from tests.flags.conftest import FlagFactory

pytestmark = pytest.mark.django_db
TZ = dt.timezone(dt.timedelta(hours=-5))


def test_it_serves_a_forced_value_to_matching_users_only():
    FlagFactory(
        key="ca-only",
        rules=[{"conditions": [{"attribute": "country", "operator": "in", "value": ["CA"]}], "value": True}],
    )
    assert flags.is_on("ca-only", {"id": "1", "country": "CA"})
    assert not flags.is_on("ca-only", {"id": "1", "country": "US"})


def test_it_is_off_for_everyone_when_the_kill_switch_is_off():
    FlagFactory(key="killed", enabled=False, default_value=True, rules=[{"value": True}])
    assert not flags.is_on("killed", {"id": "1"})
    assert flags.value("killed", {"id": "1"}, fallback="safe") == "safe"


def test_it_gives_the_fallback_for_an_unknown_flag_and_logs_it_once(caplog):
    assert flags.value("no-such-flag", {"id": "1"}, fallback=7) == 7
    assert not flags.is_on("no-such-flag")
    assert [r.message for r in caplog.records].count(
        "flags: unknown flag 'no-such-flag' (evaluated as off)"
    ) == 1


def test_it_evaluates_a_user_by_its_attributes():
    user = UserFactory(username="ada", groups=["Growth"])
    FlagFactory(
        key="growth-only",
        rules=[
            {"conditions": [{"attribute": "groups", "operator": "in", "value": ["Growth"]}], "value": True}
        ],
    )
    assert flags.is_on("growth-only", user)
    assert flags.attributes_for(user)["id"] == str(user.pk)


def test_it_evaluates_without_any_query_once_the_snapshot_is_built(settings):
    FlagFactory(key="fast", rules=[{"percentage": 50, "value": True}])
    settings.FLAGS_SNAPSHOT_CHECK_INTERVAL = 3600
    flags.is_on("fast", {"id": "warm-up"})
    with CaptureQueriesContext(connection) as queries:
        for i in range(200):
            flags.is_on("fast", {"id": f"user-{i}"})
    assert len(queries) == 0


def test_it_sees_a_change_once_the_version_moves():
    flag = FlagFactory(key="moving", default_value=False)
    assert not flags.is_on("moving", {"id": "1"})
    version = snapshot.read_version()
    flag.default_value = True
    flag.save()
    assert snapshot.read_version() == version + 1
    assert flags.is_on("moving", {"id": "1"})


def test_it_checks_the_version_at_most_once_per_request(client, settings):
    FlagFactory(key="a")
    settings.FLAGS_SNAPSHOT_CHECK_INTERVAL = 0
    snapshot.current()
    snapshot._request_started()
    with CaptureQueriesContext(connection) as queries:
        for _ in range(5):
            flags.is_on("a", {"id": "1"})
    version_reads = [q for q in queries if "flags_snapshotversion" in q["sql"]]
    assert len(version_reads) == 1
    snapshot._request_finished()


@time_machine.travel(dt.datetime(2026, 3, 1, 8, 59, 59, tzinfo=TZ), tick=False)
def test_it_applies_a_scheduled_rule_on_the_second():
    FlagFactory(key="sale", rules=[{"value": True, "starts_at": "2026-03-01T09:00:00-05:00"}])
    assert not flags.is_on("sale", {"id": "1"})
    with time_machine.travel(dt.datetime(2026, 3, 1, 9, 0, 0, tzinfo=TZ), tick=False):
        assert flags.is_on("sale", {"id": "1"})


@time_machine.travel(dt.datetime(2026, 3, 1, 8, 0, tzinfo=TZ), tick=False)
def test_it_applies_a_scheduled_kill_switch_change_when_due_and_records_it():
    flag = FlagFactory(key="night-mode", enabled=False, default_value=True)
    owner = UserFactory(username="sched")
    ScheduledChange.objects.create(
        flag=flag, at=dt.datetime(2026, 3, 1, 9, 0, tzinfo=TZ), enabled=True, created_by=owner
    )
    assert not flags.is_on("night-mode", {"id": "1"})
    with time_machine.travel(dt.datetime(2026, 3, 1, 9, 0, 1, tzinfo=TZ), tick=False):
        assert flags.is_on("night-mode", {"id": "1"})
        from flags.tasks import apply_scheduled_changes

        assert apply_scheduled_changes.delay().get()["applied"] == 1
    flag.refresh_from_db()
    assert flag.enabled
    latest = flag.history.first()
    assert (latest.history_user, latest.enabled) == (owner, True)


def test_it_records_the_last_evaluated_time_sampled_not_per_call(settings):
    flag = FlagFactory(key="sampled")
    settings.FLAGS_LAST_EVALUATED_INTERVAL = 3600
    flags.is_on("sampled", {"id": "1"})
    flag.refresh_from_db()
    assert flag.last_evaluated_at is None
    settings.FLAGS_LAST_EVALUATED_INTERVAL = 0
    flags.is_on("sampled", {"id": "2"})
    flag.refresh_from_db()
    assert flag.last_evaluated_at is not None


def test_it_returns_typed_values():
    FlagFactory(key="colour", value_type=Flag.ValueType.STRING, default_value="blue", rules=[])
    FlagFactory(key="limits", value_type=Flag.ValueType.JSON, default_value={"max": 3})
    assert flags.value("colour", {}) == "blue"
    assert flags.value("limits", {}) == {"max": 3}
    assert flags.evaluate_all({}) == {"colour": "blue", "limits": {"max": 3}}


def _stored_regex_flag(key: str, pattern: str) -> None:
    # As stored before regexes were checked on save: update() skips validation.
    FlagFactory(key=key)
    rule = {"conditions": [{"attribute": "email", "operator": "regex", "value": pattern}], "value": True}
    Flag.objects.filter(key=key).update(rules=[rule])


def test_a_stored_catastrophic_regex_reads_only_the_first_characters_of_a_long_value(settings):
    settings.FLAGS_MAX_ATTRIBUTE_LENGTH = 64
    _stored_regex_flag("hostile", "(a+)+$")
    # Backtracking on all of it would not finish; the first 64 characters are all "a".
    assert flags.is_on("hostile", {"id": "1", "email": "a" * 100_000 + "!"})
    assert not flags.is_on("hostile", {"id": "1", "email": "a" * 27 + "!"})


def test_stored_regexes_run_on_a_linear_time_engine():
    # RE2 has no backreferences: a pattern that needs backtracking matches nothing.
    _stored_regex_flag("backreference", r"^(a)\1")
    assert not flags.is_on("backreference", {"id": "1", "email": "aa"})
