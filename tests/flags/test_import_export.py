"""flags.json (the plan's shape) and CSV, in and out; all or nothing."""

import json

import pytest
from django.core.management import CommandError, call_command

from flags.models import Flag
from tests.flags.conftest import FlagFactory

pytestmark = pytest.mark.django_db


def test_it_imports_the_plans_flags_json_shape(tmp_path):
    path = tmp_path / "flags.json"
    path.write_text(
        json.dumps(
            [
                {"key": "new-checkout", "description": "One-page checkout", "enabled": True, "rollout": 25},
                {"key": "dark-mode", "description": "", "enabled": False, "rollout": 100},
                {"key": "legacy-banner", "description": "Old", "enabled": True, "rollout": 0},
            ]
        )
    )
    call_command("flags", "import", str(path))
    checkout = Flag.objects.get(key="new-checkout")
    assert (checkout.enabled, checkout.rules, checkout.rollout) == (
        True,
        [{"percentage": 25, "value": True}],
        25,
    )
    assert Flag.objects.get(key="dark-mode").rules == [{"value": True}]
    assert Flag.objects.get(key="legacy-banner").rules == []


def test_it_exports_every_flag_in_the_plans_shape_and_round_trips(tmp_path):
    FlagFactory(key="a-flag", description="A", rules=[{"percentage": 40, "value": True}])
    FlagFactory(key="b-flag", value_type="string", default_value="x", enabled=False)
    path = tmp_path / "flags.json"
    call_command("flags", "export", str(path))
    rows = json.loads(path.read_text())
    assert rows[0] | {} == {
        "key": "a-flag",
        "description": "A",
        "enabled": True,
        "rollout": 40,
        "type": "release",
        "owner": "",
        "value_type": "boolean",
        "default_value": False,
        "rules": [{"percentage": 40, "value": True}],
    }
    Flag.objects.all().delete()
    call_command("flags", "import", str(path))
    assert Flag.objects.get(key="b-flag").default_value == "x"
    assert Flag.objects.get(key="a-flag").rules == [{"percentage": 40, "value": True}]


def test_it_round_trips_csv(tmp_path):
    FlagFactory(
        key="csv-flag",
        rules=[{"conditions": [{"attribute": "country", "operator": "in", "value": ["CA"]}], "value": True}],
    )
    path = tmp_path / "flags.csv"
    call_command("flags", "export", str(path))
    assert (
        path.read_text().splitlines()[0]
        == "key,description,enabled,rollout,type,owner,value_type,default_value,rules"
    )
    Flag.objects.all().delete()
    call_command("flags", "import", str(path))
    assert Flag.objects.get(key="csv-flag").rules[0]["conditions"][0]["value"] == ["CA"]


def test_a_file_with_a_bad_row_imports_nothing_and_names_the_problem(tmp_path):
    path = tmp_path / "flags.json"
    path.write_text(
        json.dumps(
            [
                {"key": "fine", "enabled": True, "rollout": 10},
                {"key": "broken", "enabled": True, "rules": [{"percentage": 300, "value": True}]},
                {"key": "fine", "enabled": False},
            ]
        )
    )
    with pytest.raises(CommandError) as caught:
        call_command("flags", "import", str(path))
    message = str(caught.value)
    assert "rule 1, percentage: 300 is outside 0 to 100" in message
    assert "duplicate key 'fine'" in message
    assert not Flag.objects.exists()


def test_a_dry_run_writes_nothing(tmp_path):
    path = tmp_path / "flags.json"
    path.write_text(json.dumps({"flags": [{"key": "later", "enabled": True, "rollout": 50}]}))
    call_command("flags", "import", str(path), "--dry-run")
    assert not Flag.objects.exists()


def test_the_admin_exports_csv_with_django_import_export(admin_client):
    FlagFactory(key="admin-flag", rules=[{"percentage": 5, "value": True}])
    response = admin_client.post(
        "/admin/flags/flag/export/",
        {
            "format": "0",
            "resource": "0",
            **{
                f"flagresource_{f}": "on"
                for f in [
                    "key",
                    "description",
                    "enabled",
                    "rollout",
                    "kind",
                    "owner",
                    "value_type",
                    "default_value",
                    "rules",
                ]
            },
        },
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert body.splitlines()[0].startswith("key,description,enabled,rollout")
    assert "admin-flag" in body


def test_the_admin_imports_flags_json_with_a_preview_then_confirms(admin_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile(
        "flags.json",
        json.dumps(
            [
                {
                    "key": "from-admin",
                    "description": "d",
                    "enabled": True,
                    "rollout": 30,
                    "default_value": False,
                }
            ]
        ).encode(),
        content_type="application/json",
    )
    preview = admin_client.post(
        "/admin/flags/flag/import/", {"format": "1", "resource": "0", "import_file": upload}
    )
    assert preview.status_code == 200
    assert not Flag.objects.exists()  # a preview writes nothing
    form = preview.context["confirm_form"]
    admin_client.post("/admin/flags/flag/process_import/", {**form.initial, "resource": "0"})
    assert Flag.objects.get(key="from-admin").rules == [{"percentage": 30, "value": True}]
