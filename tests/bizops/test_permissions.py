"""Groups and their areas: each group gets exactly its area's model permissions."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

AREAS = {
    "Team": {"bizops"},
    "Growth": {"flags"},
    "Finance": {"finance"},
    "Ops": {"health", "django_celery_beat", "etl", "automations", "events"},
}


def perms(group: str) -> set[str]:
    return {
        f"{p.content_type.app_label}.{p.codename}"
        for p in Group.objects.get(name=group).permissions.select_related("content_type")
    }


SHARED = {"bizops.view_report", "etl.view_dailymetric"}


def test_the_four_groups_exist():
    assert set(Group.objects.values_list("name", flat=True)) >= set(AREAS)


@pytest.mark.parametrize("group", list(AREAS))
def test_each_group_holds_exactly_its_areas_model_permissions(group):
    expected = {
        f"{p.content_type.app_label}.{p.codename}"
        for p in Permission.objects.filter(content_type__app_label__in=AREAS[group] - {"bizops"})
    }
    if group == "Team":
        expected |= {
            f"bizops.{c}"
            for c in [
                "add_backlogticket",
                "change_backlogticket",
                "delete_backlogticket",
                "view_backlogticket",
                "move_backlogticket",
            ]
        }
    if group == "Finance":
        expected |= {f"etl.{c}_fxrate" for c in ["add", "change", "delete", "view"]}
    expected |= SHARED
    assert perms(group) == expected


def test_no_group_may_edit_another_areas_models():
    for group, apps in AREAS.items():
        for perm in perms(group):
            app, codename = perm.split(".")
            if perm in SHARED or (group == "Finance" and codename.endswith("_fxrate")):
                continue
            assert app in apps, f"{group} holds {perm}"


def _model_admin_urls(model_admin) -> list[str]:
    info = (model_admin.model._meta.app_label, model_admin.model._meta.model_name)
    return [reverse("admin:{}_{}_changelist".format(*info)), reverse("admin:{}_{}_add".format(*info))]


def test_a_growth_user_gets_403_on_every_other_areas_admin(client):
    client.force_login(UserFactory(groups=["Growth"]))
    checked = 0
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label == "flags":
            continue
        changelist, add = _model_admin_urls(model_admin)
        assert client.get(add).status_code == 403, add
        assert client.post(add, {}).status_code == 403, add
        if model._meta.label not in {"bizops.Report", "etl.DailyMetric"}:  # every group may read these
            assert client.get(changelist).status_code == 403, changelist
        checked += 1
    assert checked >= 4


def test_a_team_user_can_edit_tickets_and_only_read_reports(client):
    client.force_login(UserFactory(groups=["Team"]))
    assert client.get(reverse("admin:bizops_backlogticket_add")).status_code == 200
    assert client.get(reverse("admin:bizops_report_changelist")).status_code == 200
    assert client.get(reverse("admin:bizops_report_add")).status_code == 403


def test_a_non_staff_user_reaches_no_admin_page(client):
    client.force_login(UserFactory(is_staff=False, is_superuser=True))
    urls = [reverse("admin:index")]
    for model_admin in admin.site._registry.values():
        urls += _model_admin_urls(model_admin)
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("admin:login")), url


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    response = client.get(reverse("admin:bizops_backlogticket_changelist"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
