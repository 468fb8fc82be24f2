"""Flag exports open safely in a spreadsheet: descriptions never become formulas."""

import csv
import io
import json

import pytest
from django.core.management import call_command

from flags.models import Flag
from tests.flags.conftest import FlagFactory

pytestmark = pytest.mark.django_db

INJECTIONS = ['=HYPERLINK("http://x","y")', "+1+1", "-1+1", "@SUM(A1)"]


@pytest.fixture
def injected_flags():
    for n, text in enumerate(INJECTIONS):
        FlagFactory(key=f"injected-{n}", description=text)
    FlagFactory(key="negative", description="Discount", value_type="number", default_value=-12.5)


def exported_rows(text: str) -> dict[str, dict]:
    return {row["key"]: row for row in csv.DictReader(io.StringIO(text))}


def test_the_csv_export_prefixes_formula_text_and_keeps_numbers(injected_flags, tmp_path):
    path = tmp_path / "flags.csv"
    call_command("flags", "export", str(path))
    text = path.read_text()
    rows = exported_rows(text)
    assert [rows[f"injected-{n}"]["description"] for n in range(4)] == ["'" + text for text in INJECTIONS]
    assert rows["negative"]["default_value"] == "-12.5"
    assert '"negative","Discount",True,100,"release","","number",-12.5,"[]"' in text


def test_an_exported_csv_imports_back_to_the_same_descriptions(injected_flags, tmp_path):
    path = tmp_path / "flags.csv"
    call_command("flags", "export", str(path))
    Flag.objects.all().delete()
    call_command("flags", "import", str(path))
    assert [Flag.objects.get(key=f"injected-{n}").description for n in range(4)] == INJECTIONS
    assert Flag.objects.get(key="negative").default_value == -12.5


def test_the_json_export_keeps_descriptions_as_stored(injected_flags, tmp_path):
    path = tmp_path / "flags.json"
    call_command("flags", "export", str(path))
    rows = {row["key"]: row for row in json.loads(path.read_text())}
    assert [rows[f"injected-{n}"]["description"] for n in range(4)] == INJECTIONS


def test_the_admin_csv_export_prefixes_formula_text(admin_client, injected_flags):
    response = admin_client.post(
        "/admin/flags/flag/export/",
        {
            "format": "0",
            "resource": "0",
            **{f"flagresource_{name}": "on" for name in ["key", "description", "default_value"]},
        },
    )
    assert response.status_code == 200
    rows = exported_rows(response.content.decode())
    assert [rows[f"injected-{n}"]["description"] for n in range(4)] == ["'" + text for text in INJECTIONS]
    assert rows["negative"]["default_value"] == "-12.5"
