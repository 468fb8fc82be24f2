"""The History page of flags and experiments: a change without a reason shows an empty cell."""

import re

import pytest
from django.urls import reverse

from tests.flags.conftest import ExperimentFactory, FlagFactory

pytestmark = pytest.mark.django_db


def reason_cells(page: str) -> list[str]:
    rows = re.findall(r"<tr>(.*?)</tr>", page.split('id="change-history"', 1)[1], re.S)
    cells = [re.findall(r"<td>(.*?)</td>", row, re.S) for row in rows]
    return [row[-2].strip() for row in cells if row]  # "Change reason" precedes "Changes"


@pytest.mark.parametrize(("factory", "name"), [(FlagFactory, "flag"), (ExperimentFactory, "experiment")])
def test_a_change_without_a_reason_shows_no_literal_none(admin_client, factory, name):
    obj = factory()
    assert obj.history.first().history_change_reason is None
    obj._change_reason = "Ramp to 50 %"
    obj.save()

    page = admin_client.get(reverse(f"admin:flags_{name}_history", args=[obj.pk])).content.decode()

    assert reason_cells(page) == ["Ramp to 50 %", ""]


def user_cells(page: str) -> list[str]:
    rows = re.findall(r"<tr>(.*?)</tr>", page.split('id="change-history"', 1)[1], re.S)
    cells = [re.findall(r"<td>(.*?)</td>", row, re.S) for row in rows]
    return [re.sub(r"<[^>]+>", "", row[-3]).strip() for row in cells if row]  # "Changed by"


def test_a_change_no_person_made_reads_system_and_a_persons_change_names_them(admin_client, admin_user):
    flag = FlagFactory()  # made by code: no user in the history row
    flag._history_user = admin_user  # as the admin records a person's save
    flag.save()

    page = admin_client.get(reverse("admin:flags_flag_history", args=[flag.pk])).content.decode()

    assert user_cells(page) == [admin_user.username, "system"]
