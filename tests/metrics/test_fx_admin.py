"""FX rates in the admin: edited, and imported from a file with a preview."""

import io
import re
from datetime import date, datetime
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from etl.models import DailyMetric, FxRate
from tests.metrics.factories import FxRateFactory

pytestmark = pytest.mark.django_db


def preview(client, text: str):
    upload = SimpleUploadedFile("rates.csv", text.encode())
    return client.post(
        reverse("admin:etl_fxrate_import"), {"import_file": upload, "format": "0", "resource": "0"}
    )


def confirm(client, preview_response):
    html = preview_response.content.decode()
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html))
    fields.pop("csrfmiddlewaretoken", None)
    return client.post(reverse("admin:etl_fxrate_process_import"), fields, follow=True)


def test_an_import_previews_then_writes_the_rates_on_confirm(admin_client):
    FxRateFactory(day=date(2025, 3, 1), currency="CAD", rate=Decimal("0.7"))
    response = preview(admin_client, "day,currency,rate\n2025-03-01,cad,0.71\n2025-03-02,CAD,0.72\n")
    assert response.status_code == 200
    assert "Confirm import" in response.content.decode()
    assert FxRate.objects.get().rate == Decimal("0.7")
    confirm(admin_client, response)
    assert list(FxRate.objects.order_by("day").values_list("day", "currency", "rate")) == [
        (date(2025, 3, 1), "CAD", Decimal("0.71")),
        (date(2025, 3, 2), "CAD", Decimal("0.72")),
    ]


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("2025-02-30,CAD,0.7", "&#x27;2025-02-30&#x27; is not a date like 2025-01-31"),
        ("2025-03-01,dollars,0.7", "&#x27;dollars&#x27; is not a currency code like CAD"),
        ("2025-03-01,USD,1", "USD is the reporting currency: it needs no rate"),
        ("2025-03-01,CAD,-0.7", "the rate must be a positive number, got &#x27;-0.7&#x27;"),
        ("2025-03-01,CAD,abc", "&#x27;abc&#x27; is not a number"),
        ("2025-03-02,CAD,0.7", "CAD on 2025-03-02 appears twice in the file"),
    ],
)
def test_a_file_with_a_bad_row_shows_the_reason_and_imports_nothing(admin_client, line, reason):
    response = preview(admin_client, f"day,currency,rate\n2025-03-02,CAD,0.72\n{line}\n")
    html = response.content.decode()
    assert reason in html
    assert "Confirm import" not in html
    assert not FxRate.objects.exists()


def test_rates_can_be_edited_in_the_list(admin_client):
    rate = FxRateFactory(day=date(2025, 3, 1), currency="EUR", rate=Decimal("1.08"))
    response = admin_client.get(reverse("admin:etl_fxrate_changelist"))
    assert 'name="form-0-rate"' in response.content.decode()
    assert admin_client.get(reverse("admin:etl_fxrate_change", args=[rate.pk])).status_code == 200


def test_daily_metrics_are_read_only_in_the_admin(admin_client):
    metric = DailyMetric.objects.create(date=date(2025, 3, 1), channel="all", currency="USD")
    page = admin_client.get(reverse("admin:etl_dailymetric_change", args=[metric.pk])).content.decode()
    assert 'name="_save"' not in page
    assert admin_client.get(reverse("admin:etl_dailymetric_add")).status_code == 403
    assert admin_client.post(reverse("admin:etl_dailymetric_delete", args=[metric.pk])).status_code == 403


@pytest.mark.parametrize("day", ["20260108", "2026-01-09garbage", "2026-1-8", "2026-01-08T00:00"])
def test_a_day_not_written_yyyy_mm_dd_is_refused_naming_the_row_and_the_value(admin_client, day):
    # 20260108 once parsed as 2026-01-08, slipped past the repeat check and silently won.
    response = preview(admin_client, f"day,currency,rate\n2026-01-08,CAD,0.7\n{day},CAD,0.8\n")
    html = response.content.decode()
    assert f"Line number: 2 - &#x27;{day}&#x27; is not a date like 2025-01-31" in html
    assert "Confirm import" not in html
    assert not FxRate.objects.exists()


def test_one_day_as_a_spreadsheet_date_and_as_text_is_a_repeat(admin_client):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["day", "currency", "rate"])
    sheet.append([datetime(2026, 1, 8), "CAD", 0.7])
    sheet.append(["2026-01-08", "cad", 0.8])
    buffer = io.BytesIO()
    book.save(buffer)
    upload = SimpleUploadedFile("rates.xlsx", buffer.getvalue())
    response = admin_client.post(
        reverse("admin:etl_fxrate_import"), {"import_file": upload, "format": "1", "resource": "0"}
    )
    html = response.content.decode()
    assert "CAD on 2026-01-08 appears twice in the file" in html
    assert "Confirm import" not in html


@pytest.mark.parametrize(
    ("currency", "rate", "reason"),
    [
        ("=A1", "0.72", "a currency code is three capital letters, like CAD"),
        ("cad", "0.72", "a currency code is three capital letters, like CAD"),
        ("EUR", "0", "Ensure this value is greater than or equal to"),
    ],
)
def test_the_add_form_refuses_a_bad_currency_or_rate_naming_it(admin_client, currency, rate, reason):
    response = admin_client.post(
        reverse("admin:etl_fxrate_add"), {"day": "2025-03-02", "currency": currency, "rate": rate}
    )
    assert response.status_code == 200
    assert reason in response.content.decode()
    assert not FxRate.objects.exists()
