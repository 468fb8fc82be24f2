"""The source tables in the admin: readable, not editable; FX rates and metrics are not ours to show."""

import pytest
from django.contrib import admin
from django.urls import reverse

from etl.models import AdInsightDaily, DailyMetric, FxRate, Order, SyncState
from etl.pull import pull_source

pytestmark = pytest.mark.django_db
PAGES = ["adaccount", "campaign", "adinsightdaily", "order", "syncstate"]


@pytest.mark.parametrize("model", PAGES)
def test_it_lists_each_source_table_for_staff(admin_client, etl_settings, model):
    pull_source("meta")
    pull_source("shopify")
    response = admin_client.get(reverse(f"admin:etl_{model}_changelist"))
    assert response.status_code == 200


def test_it_shows_an_order_with_its_lines_and_refunds_inline(admin_client, etl_settings):
    pull_source("shopify")
    order = Order.objects.filter(refunds__isnull=False).first()
    page = admin_client.get(reverse("admin:etl_order_change", args=[order.pk])).content.decode()
    assert order.lines.first().sku in page
    assert "Refunds" in page and str(order.refunds.first().external_id) in page


def test_it_does_not_let_anyone_add_or_edit_loaded_rows(admin_client, etl_settings):
    pull_source("meta")
    insight = AdInsightDaily.objects.first()
    assert admin_client.get(reverse("admin:etl_adinsightdaily_add")).status_code == 403
    response = admin_client.post(
        reverse("admin:etl_adinsightdaily_change", args=[insight.pk]), {"spend": "1"}
    )
    assert response.status_code == 403
    insight.refresh_from_db()
    assert insight.spend != 1


def test_a_superuser_may_delete_a_sync_cursor_to_force_a_full_repull(admin_client, etl_settings):
    pull_source("tiktok")
    state = SyncState.objects.get(source="tiktok")
    admin_client.post(reverse("admin:etl_syncstate_delete", args=[state.pk]), {"post": "yes"})
    assert not SyncState.objects.exists()


def test_fx_rates_and_daily_metrics_are_registered_by_the_metrics_admin():
    assert type(admin.site._registry[FxRate]).__module__ == "etl.admin.metrics"
    assert type(admin.site._registry[DailyMetric]).__module__ == "etl.admin.metrics"
