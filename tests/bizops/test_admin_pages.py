"""What every admin page shows: readable model names, the favicon, the portfolio link."""

import re

import pytest
from django.contrib import admin
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
OUR_APPS = {"bizops", "etl", "finance", "flags", "health"}


def test_the_admin_index_names_insights_and_fx_rates_as_people_say_them(admin_client):
    page = admin_client.get(reverse("admin:index")).content.decode()
    assert "Daily ad insights" in page
    assert "FX rates" in page
    assert "Ad insight dailys" not in page and "Fx rates" not in page


def test_no_model_in_the_admin_has_a_mechanical_plural():
    for model in admin.site._registry:
        if model._meta.app_label not in OUR_APPS:
            continue
        plural = str(model._meta.verbose_name_plural)
        assert not re.search(r"[^aeiou]ys$", plural), f"{model.__name__}: {plural!r}"
        assert not re.search(r"\b(fx|sdk|id|url|api)\b", plural), f"{model.__name__}: {plural!r}"


def test_favicon_ico_leads_to_an_icon_that_exists(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == "/static/bizops/favicon.svg"
    assert finders.find("bizops/favicon.svg")


def test_every_admin_page_links_the_icon(admin_client):
    icon = '<link rel="icon" href="/static/bizops/favicon.svg" type="image/svg+xml">'
    assert icon in Client().get(reverse("admin:login")).content.decode()
    assert icon in admin_client.get(reverse("admin:index")).content.decode()
    assert icon in admin_client.get(reverse("admin:flags_experiment_changelist")).content.decode()


def test_the_admin_index_links_the_experiment_portfolio_for_those_who_may_see_it(admin_client):
    link = f'href="{reverse("admin:flags_experiment_portfolio")}"'
    assert link in admin_client.get(reverse("admin:index")).content.decode()
    client = Client()
    client.force_login(UserFactory(username="fin", is_staff=True, groups=["Finance"]))
    assert link not in client.get(reverse("admin:index")).content.decode()
