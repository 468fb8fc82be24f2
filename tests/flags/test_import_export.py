"""flags.json (the plan's shape) and CSV, in and out; all or nothing."""

import json

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

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


def write_flags(path, count: int, prefix: str = "bulk", **fields) -> None:
    path.write_text(json.dumps([{"key": f"{prefix}-{i}", "enabled": True, **fields} for i in range(count)]))


def test_a_file_over_the_row_limit_is_refused_naming_the_limit(tmp_path, settings):
    settings.FLAGS_IMPORT_MAX_ROWS = 3
    path = tmp_path / "flags.json"
    write_flags(path, 4)
    with pytest.raises(CommandError) as caught:
        call_command("flags", "import", str(path))
    assert "the file has 4 flags; the limit is 3 flags per import (FLAGS_IMPORT_MAX_ROWS)" in str(
        caught.value
    )
    assert not Flag.objects.exists()


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path, settings):
    settings.FLAGS_IMPORT_MAX_BYTES = 100
    path = tmp_path / "flags.csv"
    path.write_text("key,enabled\n" + "".join(f"flag-{i},true\n" for i in range(20)))
    with pytest.raises(CommandError) as caught:
        call_command("flags", "import", str(path))
    assert "the limit is 100 bytes per import (FLAGS_IMPORT_MAX_BYTES)" in str(caught.value)


def test_deeply_nested_json_is_refused_in_one_line(tmp_path):
    path = tmp_path / "flags.json"
    path.write_text("[" * 100_000)
    with pytest.raises(CommandError) as caught:
        call_command("flags", "import", str(path))
    assert str(caught.value).splitlines()[-1].strip() == (
        "flags.json: not a flags file: its JSON is nested too deeply to read"
    )


def test_deeply_nested_rules_in_a_csv_cell_are_refused_naming_the_row(tmp_path):
    path = tmp_path / "flags.csv"
    path.write_text('key,enabled,rules\nnested,true,"' + "[" * 100_000 + '"\n')
    with pytest.raises(CommandError) as caught:
        call_command("flags", "import", str(path))
    assert "row 1, rules: is JSON nested too deeply to read" in str(caught.value)


def test_the_admin_refuses_a_file_over_the_limit_and_deep_json_with_a_message(admin_client, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.FLAGS_IMPORT_MAX_ROWS = 2
    for content, message in [
        (
            json.dumps([{"key": f"k-{i}", "enabled": True} for i in range(3)]),
            "the limit is 2 flags per import",
        ),
        ("[" * 100_000, "its JSON is nested too deeply to read"),
    ]:
        upload = SimpleUploadedFile("flags.json", content.encode(), content_type="application/json")
        page = admin_client.post(
            "/admin/flags/flag/import/", {"format": "1", "resource": "0", "import_file": upload}
        )
        assert page.status_code == 200
        assert message in page.content.decode()
    assert not Flag.objects.exists()


def test_a_big_import_takes_a_bounded_number_of_queries_and_bumps_the_version_once(tmp_path):
    from flags import snapshot, transfer

    FlagFactory(key="bulk-0", enabled=False)  # one update among the new flags
    path = tmp_path / "flags.json"
    write_flags(path, 5000, rollout=25)
    before = snapshot.read_version()
    with CaptureQueriesContext(connection) as queries:
        transfer.import_flags(path)
    assert Flag.objects.count() == 5000
    assert Flag.objects.get(key="bulk-4999").rules == [{"percentage": 25, "value": True}]
    assert Flag.objects.get(key="bulk-0").enabled
    assert Flag.history.filter(history_change_reason="Imported from flags.json").count() == 5000
    assert snapshot.read_version() == before + 1
    # Batches, not rows: a query per row would be 5,000 or more.
    assert len(queries) < 5000 / 20
    version_bumps = [q for q in queries if q["sql"].startswith('UPDATE "flags_snapshotversion"')]
    assert len(version_bumps) == 1


def _is_write(sql: str) -> bool:
    return sql.split(None, 1)[0].upper() in {"INSERT", "UPDATE", "DELETE"}


def test_an_import_checks_every_row_before_writing_and_locks_the_version_last(tmp_path):
    from flags import transfer

    FlagFactory(key="bulk-7", enabled=False)
    path = tmp_path / "flags.json"
    write_flags(path, 300)
    with CaptureQueriesContext(connection) as queries:
        transfer.import_flags(path)
    statements = [q["sql"] for q in queries if "SAVEPOINT" not in q["sql"]]
    first_write = next(i for i, sql in enumerate(statements) if _is_write(sql))
    # Reads (the file's flags, owners, experiments) come first; then only writes.
    assert all(_is_write(sql) for sql in statements[first_write:])
    # The version row, which every flag save updates, is locked by the last statement only.
    assert statements[-1].startswith('UPDATE "flags_snapshotversion"')


def test_an_import_with_a_bad_last_row_writes_nothing_at_all(tmp_path):
    from flags import transfer

    path = tmp_path / "flags.json"
    rows = [{"key": f"ok-{i}", "enabled": True} for i in range(200)]
    rows.append({"key": "bad", "enabled": True, "rules": [{"percentage": 300, "value": True}]})
    path.write_text(json.dumps(rows))
    with CaptureQueriesContext(connection) as queries, pytest.raises(ValidationError) as caught:
        transfer.import_flags(path)
    assert caught.value.messages == ["row 201, rules: rule 1, percentage: 300 is outside 0 to 100"]
    assert not any(_is_write(q["sql"]) for q in queries)
    assert not Flag.objects.exists()


def test_the_admin_imports_a_big_file_in_bulk_with_one_version_bump(admin_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from flags import snapshot

    rows = [{"key": f"admin-bulk-{i}", "enabled": True, "rollout": 10} for i in range(600)]
    upload = SimpleUploadedFile("flags.json", json.dumps(rows).encode(), content_type="application/json")
    preview = admin_client.post(
        "/admin/flags/flag/import/", {"format": "1", "resource": "0", "import_file": upload}
    )
    assert preview.status_code == 200 and not Flag.objects.exists()
    before = snapshot.read_version()
    form = preview.context["confirm_form"]
    admin_client.post("/admin/flags/flag/process_import/", {**form.initial, "resource": "0"})
    assert Flag.objects.filter(key__startswith="admin-bulk-").count() == 600
    assert snapshot.read_version() == before + 1
    assert Flag.history.filter(history_user__isnull=False).count() == 600  # who imported them
