"""flag.changed from every path that changes a flag, and flag.stale from the health sweep."""

import datetime as dt
import json

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from bizops.events.models import Event
from flags import schedule
from flags.health_checks import stale_flags
from flags.history import revert
from flags.models import Flag, ScheduledChange
from tests.flags.conftest import FlagFactory

pytestmark = pytest.mark.django_db


def changes() -> list[tuple[str, str, str]]:
    rows = Event.objects.filter(type="flag.changed").order_by("created_at", "pk")
    return [(e.payload["flag"], e.payload["change"], e.payload["by"]) for e in rows]


def test_the_kill_switch_action_and_a_delete_in_the_admin_announce_each_flag(client, growth_user):
    on, off = FlagFactory(key="on", enabled=True), FlagFactory(key="already-off", enabled=False)
    client.force_login(growth_user)
    changelist = reverse("admin:flags_flag_changelist")
    client.post(changelist, {"action": "turn_off", "_selected_action": [on.pk, off.pk]})
    client.post(reverse("admin:flags_flag_delete", args=[on.pk]), {"post": "yes"})
    # The flag already off was not changed, so it is not announced.
    assert changes() == [("on", "changed", growth_user.username), ("on", "deleted", growth_user.username)]
    assert not Flag.objects.filter(key="on").exists()


def test_a_revert_and_a_scheduled_change_announce_the_flag(admin_user):
    flag = FlagFactory(key="checkout", enabled=True)
    first = flag.history.earliest("history_date").pk
    flag.enabled = False
    flag.save()
    revert(flag, first, admin_user)
    ScheduledChange.objects.create(
        flag=flag, at=timezone.now() - dt.timedelta(minutes=1), enabled=False, created_by=admin_user
    )
    assert schedule.apply_due() == 1
    by = admin_user.username
    assert changes() == [("checkout", "reverted", by), ("checkout", "scheduled", by)]


def test_an_import_announces_each_flag_it_wrote_and_a_refused_file_none(tmp_path):
    FlagFactory(key="dark-mode", enabled=False)
    path = tmp_path / "flags.json"
    rows = [
        {"key": "new-checkout", "description": "", "enabled": True, "rollout": 25},
        {"key": "dark-mode", "description": "", "enabled": True, "rollout": 100},
    ]
    path.write_text(json.dumps(rows))
    call_command("flags", "import", str(path))
    assert sorted(changes()) == [("dark-mode", "imported", ""), ("new-checkout", "imported", "")]

    path.write_text(json.dumps([{"key": "x", "enabled": "maybe"}]))
    with pytest.raises(CommandError):
        call_command("flags", "import", str(path))
    assert len(changes()) == 2


def test_a_flag_that_becomes_stale_alerts_once_and_again_after_it_was_cleaned_up():
    now = timezone.now()
    old = FlagFactory(key="old-release", kind="release")
    Flag.objects.filter(pk=old.pk).update(created_at=now - dt.timedelta(days=41), last_evaluated_at=now)
    stale_flags()
    stale_flags()  # the sweep again, within the reminder interval: no second alert
    (alert,) = [e.payload for e in Event.objects.filter(type="flag.stale")]
    assert alert["flag"] == "old-release" and "lifetime" in alert["reason"]
    Flag.objects.filter(pk=old.pk).update(created_at=now)  # cleaned up (a new lifetime)
    stale_flags()
    Flag.objects.filter(pk=old.pk).update(created_at=now - dt.timedelta(days=41))
    stale_flags()
    assert Event.objects.filter(type="flag.stale").count() == 2
