"""The audit page in the admin: staff with the reports permission; the latest audit beside the previous."""

import json
from datetime import date, timedelta

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from bizops.audit.audit import run_audit, write_audit
from bizops.audit.base import Period
from tests.audit.conftest import metric
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
EARLIER = Period(date(2025, 2, 19), date(2025, 2, 28))
LATEST = Period(date(2025, 3, 1), date(2025, 3, 10))


def two_audits(settings):
    # Spend 10 x 80 and 25 new customers (CAC 32) before; 10 x 100 and 25 (CAC 40) now.
    for n in range(10):
        metric(EARLIER.previous.start + timedelta(days=n), spend=80, new_customers=2 if n < 5 else 3)
        metric(EARLIER.start + timedelta(days=n), spend=80, new_customers=2 if n < 5 else 3)
        metric(LATEST.start + timedelta(days=n), spend=100, new_customers=2 if n < 5 else 3)
    write_audit(run_audit(EARLIER))
    return write_audit(run_audit(LATEST))


def staff(*perms: str):
    user = UserFactory(is_staff=True)
    for perm in perms:
        app, codename = perm.split(".")
        user.user_permissions.add(Permission.objects.get(content_type__app_label=app, codename=codename))
    return user


def test_staff_without_the_reports_permission_are_refused(client):
    client.force_login(staff())
    assert client.get(reverse("audit-page")).status_code == 403


def test_before_any_audit_the_page_says_how_to_get_one(client):
    client.force_login(staff("bizops.view_report"))
    page = client.get(reverse("audit-page")).content.decode()
    assert "No audit yet" in page and "manage.py bi_audit" in page


def test_the_latest_audit_beside_the_previous_with_what_moved(client, settings):
    latest = two_audits(settings)
    client.force_login(staff("bizops.view_report"))
    response = client.get(reverse("audit-page"))
    page = response.content.decode()
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert latest.title in page and "Unaligned audit: Feb 19, 2025 to Feb 28, 2025" in page
    # Acquisition: 100 before (CAC 32 = its previous 32), 75 now (gap 25 %): -25, and why.
    row = page.split('href="#analyzer-acquisition"')[1].split("</tr>")[0]
    assert ">75/100<" in row and ">100/100<" in row and ">-25<" in row
    assert "new: Blended CAC is 40.00 USD, 25.0 % above its target" in row
    chart = json.loads(page.split('id="audit-data" type="application/json">')[1].split("</script>")[0])
    assert chart["labels"][0] == "Blended CAC" and chart["latest"][0] == 25.0
    assert chart["has_previous"] is True
    assert "audit-blended-cac" in page and "?q=audit-blended-cac" in page
    assert "/admin/dashboards/metrics/?range=custom&amp;since=2025-03-01&amp;until=2025-03-10" in page


def test_the_admin_index_links_the_audit_page(client):
    client.force_login(staff("bizops.view_report"))
    assert reverse("audit-page") in client.get(reverse("admin:index")).content.decode()
