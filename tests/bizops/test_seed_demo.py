"""`manage.py seed_demo` twice: what is missing is added, what the team changed is kept."""

import io
import re
import stat

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from bizops.core.models import BacklogTicket
from finance.models import ForecastRun, Scenario
from finance.versions import latest, save_new_version
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def demo_settings(settings):
    # seed_demo refuses PostgreSQL with DEBUG off (a production database).
    settings.DEBUG = True


def seed(*args) -> list[str]:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue().strip().splitlines()


def shown_password(line: str) -> str:
    return re.fullmatch(r"demo admin \w[\w ]*: user 'admin' password '([^']+)'", line).group(1)


def test_seeding_again_keeps_the_teams_edits(tmp_path):
    seed("--password-file", str(tmp_path / ".demo-admin-password"))
    maya = UserFactory(username="maya")
    ticket = BacklogTicket.objects.get(key="analytics_infrastructure")
    ticket.status, ticket.owner = BacklogTicket.Status.IN_PROGRESS, maya
    ticket.save()
    BacklogTicket.objects.filter(key="retention_campaigns").delete()
    edited = latest("Subscription example")
    edited.churn_pct = 7
    save_new_version(edited)
    Scenario.objects.filter(name="Optimistic").update(description="Our own words", active=False)
    runs = ForecastRun.objects.count()

    output = seed("--password-file", str(tmp_path / ".demo-admin-password"))

    ticket.refresh_from_db()
    assert (ticket.status, ticket.owner) == ("in_progress", maya)
    assert BacklogTicket.objects.filter(key="retention_campaigns").exists(), "a missing ticket is added"
    assert "backlog: 1 created, 4 already there (kept as they are)" in output
    newest = latest("Subscription example")
    assert (newest.version, newest.churn_pct) == (2, 7)
    optimistic = Scenario.objects.get(name="Optimistic")
    assert (optimistic.description, optimistic.active) == ("Our own words", False)
    assert ForecastRun.objects.count() == runs


def test_seeding_again_keeps_the_admin_password_and_prints_it_last(tmp_path):
    kept_in = tmp_path / ".demo-admin-password"
    first = shown_password(seed("--password-file", str(kept_in))[-1])
    assert stat.S_IMODE(kept_in.stat().st_mode) == 0o600

    again = seed("--password-file", str(kept_in))

    assert again[-1] == f"demo admin unchanged: user 'admin' password '{first}'"
    admin = get_user_model().objects.get(username="admin")
    assert admin.check_password(first)
    assert admin.is_superuser


def test_a_password_the_person_changed_is_kept_and_not_shown(tmp_path):
    kept_in = tmp_path / ".demo-admin-password"
    seed("--password-file", str(kept_in))
    admin = get_user_model().objects.get(username="admin")
    admin.set_password("chosen by the person")
    admin.email = "me@example.com"
    admin.save()

    again = seed("--password-file", str(kept_in))

    admin.refresh_from_db()
    assert admin.check_password("chosen by the person")
    assert admin.email == "me@example.com"
    assert again[-1] == (
        "demo admin unchanged: user 'admin', password unchanged "
        "(it was changed after set-up, so it is not shown)"
    )


def test_without_a_kept_password_it_says_the_first_one_still_works(db):
    shown_password(seed()[-1])
    assert seed()[-1] == (
        "demo admin unchanged: user 'admin', password unchanged (the one printed when it was first set up)"
    )


def test_an_explicit_password_is_set_and_printed(tmp_path):
    kept_in = tmp_path / ".demo-admin-password"
    seed("--password-file", str(kept_in))
    again = seed("--password-file", str(kept_in), "--password", "typed-on-purpose")
    assert again[-1] == "demo admin password set: user 'admin' password 'typed-on-purpose'"
    assert get_user_model().objects.get(username="admin").check_password("typed-on-purpose")
