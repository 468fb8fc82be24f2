"""The admin: only Growth edits, change log with one-click revert, stale list, client keys."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from flags.models import ClientKey, Flag
from tests.factories import UserFactory
from tests.flags.conftest import ExperimentFactory, FlagFactory

pytestmark = pytest.mark.django_db
FLAGS_ADMIN = ["flag", "experiment", "clientkey"]


def flag_form(**overrides) -> dict:
    data = {
        "key": "new-checkout",
        "description": "",
        "kind": "release",
        "owner": "",
        "enabled": "on",
        "value_type": "boolean",
        "default_value": "false",
        "rules": '[{"percentage": 25, "value": true}]',
        "scheduled_changes-TOTAL_FORMS": "0",
        "scheduled_changes-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("group", ["Team", "Finance", "Ops"])
def test_only_growth_may_edit_flags_and_experiments(client, group):
    client.force_login(UserFactory(groups=[group]))
    for model in FLAGS_ADMIN:
        assert client.get(reverse(f"admin:flags_{model}_add")).status_code == 403
        assert client.get(reverse(f"admin:flags_{model}_changelist")).status_code == 403
    assert client.post(reverse("admin:flags_flag_add"), flag_form()).status_code == 403
    assert not Flag.objects.exists()


def test_a_growth_user_creates_a_flag_in_the_admin(client, growth_user):
    client.force_login(growth_user)
    response = client.post(reverse("admin:flags_flag_add"), flag_form())
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Flag.objects.get(key="new-checkout").rules == [{"percentage": 25, "value": True}]


def test_the_admin_refuses_a_bad_rule_naming_the_field(client, growth_user):
    client.force_login(growth_user)
    response = client.post(
        reverse("admin:flags_flag_add"), flag_form(rules='[{"percentage": 120, "value": true}]')
    )
    assert response.status_code == 200
    assert "rule 1, percentage: 120 is outside 0 to 100" in response.content.decode()
    assert not Flag.objects.exists()


def test_the_change_log_shows_who_changed_what_and_reverts_in_one_action(client, growth_user):
    client.force_login(growth_user)
    client.post(reverse("admin:flags_flag_add"), flag_form())
    flag = Flag.objects.get()
    change_url = reverse("admin:flags_flag_change", args=[flag.pk])
    client.post(change_url, flag_form(rules='[{"percentage": 80, "value": true}]'))
    page = client.get(change_url).content.decode()
    assert "grace" in page and "Revert to this version" in page
    assert "&quot;percentage&quot;: 25" in page and "&quot;percentage&quot;: 80" in page
    first = flag.history.order_by("history_date").first()
    response = client.post(reverse("admin:flags_flag_revert", args=[flag.pk, first.pk]))
    assert response.status_code == 302
    flag.refresh_from_db()
    assert flag.rules == [{"percentage": 25, "value": True}]
    latest = flag.history.first()
    assert latest.history_user == growth_user
    assert latest.history_change_reason.startswith("Reverted to the version of")


def test_a_view_only_user_cannot_revert(client, growth_user):
    flag = FlagFactory(key="x", rules=[{"value": True}])
    flag.rules = []
    flag.save()
    viewer = UserFactory(username="viewer", is_superuser=False)
    from django.contrib.auth.models import Permission

    viewer.user_permissions.add(Permission.objects.get(codename="view_flag"))
    client.force_login(viewer)
    first = flag.history.order_by("history_date").first()
    assert client.post(reverse("admin:flags_flag_revert", args=[flag.pk, first.pk])).status_code == 403


def test_the_kill_switch_actions_record_each_flag_in_history(client, growth_user):
    flag = FlagFactory(key="ks", enabled=True)
    client.force_login(growth_user)
    client.post(reverse("admin:flags_flag_changelist"), {"action": "turn_off", "_selected_action": [flag.pk]})
    flag.refresh_from_db()
    assert not flag.enabled
    assert flag.history.first().history_user == growth_user


def test_stale_flags_are_listed_with_why(client, growth_user, settings):
    now = timezone.now()
    old = FlagFactory(key="old-release", kind="release")
    Flag.objects.filter(pk=old.pk).update(created_at=now - dt.timedelta(days=41), last_evaluated_at=now)
    full = FlagFactory(key="full", kind="permission", rules=[{"value": True}])
    Flag.objects.filter(pk=full.pk).update(uniform_since=now - dt.timedelta(days=15), last_evaluated_at=now)
    unused = FlagFactory(key="unused", kind="permission", rules=[{"percentage": 50, "value": True}])
    Flag.objects.filter(pk=unused.pk).update(last_evaluated_at=now - dt.timedelta(days=31))
    fresh = FlagFactory(key="fresh", kind="permission", rules=[{"percentage": 50, "value": True}])
    Flag.objects.filter(pk=fresh.pk).update(last_evaluated_at=now)

    assert set(Flag.objects.stale().values_list("key", flat=True)) == {"old-release", "full", "unused"}
    assert Flag.objects.get(key="old-release").stale_reasons() == [
        "older than the 40-day lifetime of a release flag"
    ]
    assert (
        Flag.objects.get(key="full")
        .stale_reasons()[0]
        .startswith("the same value for everyone (0% or 100%) for 15 days")
    )
    assert Flag.objects.get(key="unused").stale_reasons() == ["not evaluated in the last 30 days"]
    client.force_login(growth_user)
    page = client.get(reverse("admin:flags_flag_changelist") + "?stale=yes").content.decode()
    assert "older than the 40-day lifetime" in page and "fresh" not in page


def test_a_flag_at_a_partial_rollout_is_not_uniform():
    flag = FlagFactory(key="p", rules=[{"percentage": 30, "value": True}])
    assert flag.uniform_since is None
    flag.rules = [{"percentage": 100, "value": True}]
    flag.save()
    assert flag.uniform_since is not None


def test_client_keys_are_created_and_revoked_in_the_admin(client, growth_user):
    client.force_login(growth_user)
    client.post(reverse("admin:clientkey_add".replace("admin:", "admin:flags_")), {"name": "storefront"})
    key = ClientKey.objects.get(name="storefront")
    assert key.key.startswith("sdk-") and key.created_by == growth_user
    assert client.get(f"/flags/sdk/{key.key}.json").status_code == 200
    client.post(
        reverse("admin:flags_clientkey_changelist"), {"action": "revoke", "_selected_action": [key.pk]}
    )
    assert client.get(f"/flags/sdk/{key.key}.json").status_code == 403


def test_the_portfolio_ranks_ideas_by_ice(client, growth_user):
    ExperimentFactory(key="low", impact=2, confidence=3, ease=4)
    ExperimentFactory(key="high", impact=9, confidence=8, ease=7)
    ExperimentFactory(key="unscored")
    client.force_login(growth_user)
    page = client.get(reverse("admin:flags_experiment_portfolio")).content.decode()
    assert page.index("high") < page.index("low") < page.index("unscored")
    assert "8.0" in page and "3.0" in page
