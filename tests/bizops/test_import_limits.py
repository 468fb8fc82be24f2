"""Admin imports (backlog tickets, FX rates): limits, columns and uploaded files that do not pile up."""

import io
import re
import tempfile
from datetime import timedelta

import openpyxl
import pytest
import time_machine
from django.contrib import admin
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from bizops.core.admin_imports import PreviewStorage
from bizops.core.imports import ImportRefused, check_xlsx_rows, human_bytes
from bizops.core.models import BacklogTicket
from etl.models import FxRate
from tests.bizops.test_backlog_import_export import MAKERS
from tests.metrics.test_fx_admin import confirm

pytestmark = pytest.mark.django_db

BACKLOG, FX = "admin:bizops_backlogticket_import", "admin:etl_fxrate_import"
FORMAT_INDEX = {"csv": "0", "xlsx": "1", "json": "2"}


def upload(client, url: str, content: bytes, fmt: str = "csv"):
    return client.post(
        reverse(url),
        {
            "import_file": SimpleUploadedFile(f"file.{fmt}", content),
            "format": FORMAT_INDEX[fmt],
            "resource": "0",
        },
    )


def form_error(response) -> str:
    assert response.status_code == 200
    html = response.content.decode()
    assert "Confirm import" not in html
    assert "Traceback" not in html
    errors = re.findall(r'<ul class="errorlist"[^>]*><li>(.*?)</li>', html)
    assert len(errors) == 1, errors
    return errors[0].replace("&#x27;", "'")


def tickets(count: int) -> list[tuple]:
    return [(f"ticket_{n}", f"Ticket {n}", "P2", "ready", "", "", "") for n in range(count)]


def test_a_backlog_file_of_50000_rows_is_refused_naming_the_limit(admin_client):
    response = upload(admin_client, BACKLOG, MAKERS["csv"](tickets(50_000)))
    assert form_error(response) == "the file has 50,000 rows; at most 10,000 rows per import"
    assert not BacklogTicket.objects.exists()


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_the_row_limit_is_a_setting_and_holds_for_every_format(admin_client, settings, fmt):
    settings.IMPORT_MAX_ROWS = 3
    response = upload(admin_client, BACKLOG, MAKERS[fmt](tickets(4)), fmt)
    assert form_error(response) == "the file has 4 rows; at most 3 rows per import"
    assert "Confirm import" in upload(admin_client, BACKLOG, MAKERS[fmt](tickets(3)), fmt).content.decode()


def test_a_file_over_the_size_limit_is_refused_naming_the_limit(admin_client):
    content = MAKERS["csv"](tickets(1)) + b"#" * (6 * 1024 * 1024)
    assert form_error(upload(admin_client, BACKLOG, content)) == "the file is 6 MB; at most 5 MB per import"


def test_the_size_limit_is_a_setting(admin_client, settings):
    settings.IMPORT_MAX_BYTES = 100
    content = MAKERS["csv"](tickets(5))
    assert len(content) > 100
    assert form_error(upload(admin_client, FX, content)) == (
        f"the file is {len(content)} bytes; at most 100 bytes per import"
    )


@pytest.mark.parametrize("url", [BACKLOG, FX])
def test_deeply_nested_json_is_refused_in_one_line(admin_client, url):
    assert form_error(upload(admin_client, url, b"[" * 100_000, "json")) == (
        "the JSON is nested too deeply (more than 64 levels)"
    )


def test_an_fx_file_with_wrong_columns_names_them(admin_client):
    response = upload(admin_client, FX, b"day,curr,rate\n2026-01-08,CAD,0.7\n")
    assert form_error(response) == (
        "missing column: currency; unknown column: curr (expected columns: day, currency, rate)"
    )
    assert not FxRate.objects.exists()


def test_a_backlog_file_with_wrong_columns_names_them(admin_client):
    response = upload(admin_client, BACKLOG, b"kee,title,colour\nfaq,FAQ,blue\n")
    assert form_error(response).startswith(
        "missing column: key; unknown columns: kee, colour (expected columns: key,"
    )


@pytest.fixture
def leftovers(settings, monkeypatch, tmp_path):
    """Uploaded files left behind: in the temporary folder, or in the cache."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))

    def count() -> int:
        cached = [key for key in cache._cache if PreviewStorage.CACHE_PREFIX in key]
        return len(list(tmp_path.iterdir())) + len(cached)

    return count


@pytest.mark.parametrize(
    "content",
    [
        b"day,currency,rate\n2026-01-08,CAD,abc\n",  # a bad row
        b"day,curr,rate\n2026-01-08,CAD,0.7\n",  # bad columns
        b"not,a,rate\n",  # no rows
    ],
)
def test_a_refused_import_leaves_no_file_behind(admin_client, leftovers, content):
    response = upload(admin_client, FX, content)
    assert "Confirm import" not in response.content.decode()
    assert leftovers() == 0


def stored_file(name: str):
    """The uploaded file as the FX admin's storage holds it, or None."""
    storage = admin.site._registry[FxRate].get_tmp_storage_class()(name=name, read_mode="rb")
    try:
        return storage.read()
    except FileNotFoundError:
        return None


def test_an_unconfirmed_preview_expires_after_an_hour(admin_client, leftovers):
    preview = upload(admin_client, FX, b"day,currency,rate\n2026-01-08,CAD,0.7\n")
    name = re.search(r'name="import_file_name" value="([^"]+)"', preview.content.decode()).group(1)
    assert leftovers() == 1
    assert stored_file(name) is not None
    with time_machine.travel(timezone.now() + timedelta(minutes=61)):
        assert stored_file(name) is None


def test_a_confirmed_import_leaves_no_file_behind(admin_client, leftovers):
    confirm(admin_client, upload(admin_client, FX, b"day,currency,rate\n2026-01-08,CAD,0.7\n"))
    assert FxRate.objects.count() == 1
    assert leftovers() == 0


def test_confirming_an_expired_preview_asks_for_the_file_again(admin_client, leftovers):
    preview = upload(admin_client, FX, b"day,currency,rate\n2026-01-08,CAD,0.7\n")
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        response = confirm(admin_client, preview)
    assert "preview has expired" in response.content.decode()
    assert not FxRate.objects.exists()


def test_a_workbook_without_a_declared_size_is_refused_one_row_past_the_limit(settings):
    settings.IMPORT_MAX_ROWS = 3
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet()
    for row in [("key", "title"), *[(f"t{n}", "T") for n in range(5)], (None, None)]:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    with pytest.raises(ImportRefused, match=r"^the file has more than 3 rows; at most 3 rows per import$"):
        check_xlsx_rows(buffer.getvalue())


def test_sizes_read_as_people_write_them():
    assert [human_bytes(n) for n in (900, 1024, 1500, 5 * 1024 * 1024, 6_500_000)] == [
        "900 bytes",
        "1 KB",
        "1.5 KB",
        "5 MB",
        "6.2 MB",
    ]
