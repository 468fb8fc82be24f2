"""Assumption imports (file, command, admin): numbers out of range, deep JSON, large files, refused whole."""

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from bizops.core.imports import human_bytes
from finance.assumptions_json import AssumptionImportError, dumps, export_assumption_set, import_text, loads
from finance.models import AssumptionSet

pytestmark = pytest.mark.django_db

MONEY_TOP = "999,999,999,999.99"


@pytest.fixture
def exported(make_set):
    return export_assumption_set(make_set())


def problems_of(text: str) -> list[str]:
    with pytest.raises(AssumptionImportError) as error:
        import_text(text)
    assert AssumptionSet.objects.count() == 1, "nothing is written"
    return error.value.problems


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("1e400", f"1e400 is out of range (at most {MONEY_TOP})"),
        ("1e13", f"1e13 is out of range (at most {MONEY_TOP})"),
        ("1000000000000", f"1000000000000 is out of range (at most {MONEY_TOP})"),
        (
            "123456789012345678901234567890.123",
            f"123456789012345678901234567890.123 is out of range (at most {MONEY_TOP})",
        ),
        ("-1e400", "-1e400 is out of range (at least 0)"),
        ("inf", "'inf' is not a number"),
        ("-Infinity", "'-Infinity' is not a number"),
        ("nan", "'nan' is not a number"),
    ],
)
def test_a_driver_out_of_range_is_refused_naming_the_driver_and_the_range(exported, value, problem):
    exported["shared_assumptions"]["starting_cash"]["value"] = value
    assert problems_of(dumps(exported)) == [f"shared_assumptions.starting_cash: {problem}"]


def test_a_json_number_out_of_range_is_refused_too(exported):
    exported["shared_assumptions"]["starting_cash"]["value"] = "HUGE"
    text = dumps(exported).replace('"HUGE"', "1e400")
    assert problems_of(text) == [
        f"shared_assumptions.starting_cash: 1E+400 is out of range (at most {MONEY_TOP})"
    ]


def test_every_kind_of_driver_has_its_storage_range(exported):
    shared = exported["shared_assumptions"]
    shared["starting_customers"]["value"] = "1e10"
    shared["organic_new_customers"]["value"] = "1e10"
    shared["churn_pct"]["value"] = "1e400"
    assert problems_of(dumps(exported)) == [
        "shared_assumptions.starting_customers: 1e10 is out of range (at most 2,147,483,647)",
        "shared_assumptions.organic_new_customers: 1e10 is out of range (at most 9,999,999,999.99)",
        "shared_assumptions.churn_pct: 1e400 is out of range (at most 100)",
    ]


def test_scenario_overrides_and_one_off_costs_are_range_checked(exported):
    exported["scenarios"] = {"Big": {"assumptions": {"cac": {"value": "1e400", "notes": ""}}}}
    exported["one_off_costs"] = [{"month": "2026-03", "amount": "1e400", "label": "Too much"}]
    assert problems_of(dumps(exported)) == [
        f"one_off_costs[1].amount: 1e400 is out of range (at most {MONEY_TOP})",
        f"scenarios.Big.assumptions.cac: 1e400 is out of range (at most {MONEY_TOP})",
    ]


def test_deeply_nested_json_is_refused_in_one_line():
    with pytest.raises(AssumptionImportError) as error:
        loads("[" * 100_000)
    assert error.value.problems == ["the JSON is nested too deeply (more than 64 levels)"]


def test_too_many_one_off_costs_are_refused_naming_the_limit(exported, settings):
    settings.IMPORT_MAX_ROWS = 2
    exported["one_off_costs"] = [{"month": "2026-03", "amount": "1", "label": ""}] * 3
    assert problems_of(dumps(exported)) == ["one_off_costs has 3 entries; at most 2 entries per import"]


def run_import(path):
    call_command("assumptions", "import", str(path), stdout=io.StringIO(), stderr=io.StringIO())


def test_the_command_refuses_a_driver_out_of_range_before_writing(exported, tmp_path):
    exported["shared_assumptions"]["starting_cash"]["value"] = "1e400"
    path = tmp_path / "plan.json"
    path.write_text(dumps(exported))
    with pytest.raises(CommandError, match=r"shared_assumptions\.starting_cash: 1e400 is out of range"):
        run_import(path)
    assert AssumptionSet.objects.count() == 1


def test_the_command_refuses_deep_json_and_a_file_over_the_size_limit(exported, tmp_path, settings):
    path = tmp_path / "plan.json"
    path.write_text("[" * 100_000)
    with pytest.raises(CommandError, match="the JSON is nested too deeply"):
        run_import(path)
    settings.IMPORT_MAX_BYTES = 1000
    path.write_text(dumps(exported))
    size = path.stat().st_size
    with pytest.raises(
        CommandError, match=f"the file is {human_bytes(size)}; at most 1,000 bytes per import"
    ):
        run_import(path)


def upload(client, content: bytes):
    return client.post(
        reverse("admin:finance_assumptionset_import_json"), {"file": SimpleUploadedFile("plan.json", content)}
    )


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda data: "[" * 100_000, "the JSON is nested too deeply (more than 64 levels)"),
        (
            lambda data: dumps(data).replace(
                json.dumps(data["shared_assumptions"]["starting_cash"]["value"]), '"1e400"', 1
            ),
            f"shared_assumptions.starting_cash: 1e400 is out of range (at most {MONEY_TOP})",
        ),
    ],
)
def test_the_admin_preview_refuses_in_one_line(admin_client, exported, change, problem):
    response = upload(admin_client, change(exported).encode())
    assert response.status_code == 200
    html = response.content.decode()
    assert "was not imported: 1 problem. Nothing was saved." in html
    assert f"<li>{problem}</li>" in html
    assert "Confirm import" not in html


def test_the_admin_upload_limit_leaves_room_for_the_confirmation(admin_client, exported, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2000
    content = json.dumps(exported, indent=8).encode()
    assert len(content) > 1000
    html = upload(admin_client, content).content.decode()
    assert f"the file is {human_bytes(len(content))}; at most 1,000 bytes per import" in html
