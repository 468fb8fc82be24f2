"""The audit page at 1,400 px in Chromium: no sideways scroll, the gap chart drawn."""

from datetime import date, timedelta

import pytest

from bizops.audit.audit import run_audit, write_audit
from bizops.audit.base import Period
from tests.audit.conftest import metric
from tests.e2e.test_admin_pages_fit import assert_fits
from tests.factories import BacklogTicketFactory
from tests.flags.conftest import FlagFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]


def test_the_audit_page_fits_and_draws_its_chart(page, live_server, output_dir):
    earlier, latest = (
        Period(date(2025, 2, 19), date(2025, 2, 28)),
        Period(date(2025, 3, 1), date(2025, 3, 10)),
    )
    for n in range(10):
        metric(earlier.previous.start + timedelta(days=n), spend=80, new_customers=2, orders=4, net_sales=400)
        metric(earlier.start + timedelta(days=n), spend=90, new_customers=2, orders=4, net_sales=420)
        metric(latest.start + timedelta(days=n), spend=1234.56, new_customers=3, orders=5, net_sales=98765.43)
    FlagFactory(key="a-flag-without-an-owner-and-with-a-rather-long-key-name")
    BacklogTicketFactory(key="p0", priority="P0", kpi="Blended CAC")
    BacklogTicketFactory(
        key="p1", priority="P1", kpi="Upgrade rate (accounts upgrading / accounts at a limit)"
    )
    write_audit(run_audit(earlier))
    write_audit(run_audit(latest))
    page.goto(f"{live_server.url}/admin/audit/")
    page.wait_for_function("() => document.getElementById('gaps-chart').width > 0")
    assert_fits(page, "#analyzers", "audit-page", output_dir)
    assert_fits(page, "#gaps-table", "audit-page", output_dir)
    assert page.locator("#gaps-chart").bounding_box()["width"] > 600
    assert "12,345.60 USD" in page.content()  # spend: thousands separators, to the cent
