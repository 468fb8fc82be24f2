"""`manage.py automations export/import`: recipes without secrets, previewed, all or nothing."""

import json

import pytest
from django.core.management import CommandError, call_command

from bizops.automations.models import WebhookEndpoint

pytestmark = pytest.mark.django_db

SLACK_URL = "https://hooks.slack.com/services/T000/B000/XXXXSECRET"


def run(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command("automations", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def two_endpoints(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    WebhookEndpoint.objects.create(
        name="ops slack", url=SLACK_URL, format="slack", event_types=["job.failed", "job.recovered"]
    )
    WebhookEndpoint.objects.create(
        name="warehouse", url="https://example.com/hooks/bizops", event_types=["etl.run_finished"]
    )


def test_export_writes_no_secret_and_names_a_variable_for_a_credential_url(two_endpoints, tmp_path):
    path = tmp_path / "recipes.json"
    out = run("export", str(path))
    text = path.read_text()
    assert "whsec_" not in text and "XXXXSECRET" not in text
    document = json.loads(text)
    assert document["endpoints"][0] == {
        "name": "ops slack",
        "url": "$AUTOMATIONS_URL_OPS_SLACK",
        "format": "slack",
        "event_types": ["job.failed", "job.recovered"],
        "enabled": True,
        "description": "",
    }
    assert document["endpoints"][1]["url"] == "https://example.com/hooks/bizops"
    assert "set AUTOMATIONS_URL_OPS_SLACK before importing" in out


def test_an_export_imports_back_into_an_empty_database_with_fresh_secrets(
    two_endpoints, tmp_path, monkeypatch
):
    path = tmp_path / "recipes.json"
    run("export", str(path))
    old_secrets = set(WebhookEndpoint.objects.values_list("secret", flat=True))
    WebhookEndpoint.objects.all().delete()
    monkeypatch.setenv("AUTOMATIONS_URL_OPS_SLACK", SLACK_URL)

    out = run("import", str(path))
    assert "create ops slack (slack, 2 event types)" in out
    assert "imported: 2 to create, 0 to update, 0 unchanged" in out
    slack = WebhookEndpoint.objects.get(name="ops slack")
    assert (slack.url, slack.event_types) == (SLACK_URL, ["job.failed", "job.recovered"])
    assert not old_secrets & set(WebhookEndpoint.objects.values_list("secret", flat=True))
    assert "unchanged ops slack" in run("import", str(path))


def test_a_dry_run_previews_and_writes_nothing(two_endpoints, tmp_path):
    path = tmp_path / "recipes.json"
    document = {
        "kind": "bizops-automations",
        "version": 1,
        "endpoints": [
            {
                "name": "warehouse",
                "url": "https://example.com/hooks/bizops",
                "event_types": ["forecast.ready"],
            },
            {
                "name": "zap",
                "url": "https://hooks.zapier.com/hooks/catch/1/abc/",
                "format": "zapier",
                "event_types": [],
            },
        ],
    }
    path.write_text(json.dumps(document))
    out = run("import", str(path), "--dry-run")
    assert "update warehouse: event_types" in out and "create zap" in out
    assert "dry run, nothing written: 1 to create, 1 to update, 0 unchanged" in out
    assert not WebhookEndpoint.objects.filter(name="zap").exists()
    assert WebhookEndpoint.objects.get(name="warehouse").event_types == ["etl.run_finished"]


def test_one_bad_entry_imports_nothing_and_names_every_problem(two_endpoints, tmp_path):
    path = tmp_path / "recipes.json"
    document = {
        "kind": "bizops-automations",
        "version": 1,
        "endpoints": [
            {"name": "new", "url": "https://example.com/a", "event_types": ["job.failed"]},
            {"name": "bad", "url": "http://10.0.0.5/hook", "event_types": ["job.exploded"]},
            {"name": "slack2", "url": "$UNSET_SLACK_URL", "event_types": []},
        ],
    }
    path.write_text(json.dumps(document))
    with pytest.raises(CommandError) as info:
        run("import", str(path))
    message = str(info.value)
    assert "endpoints[1] (bad): unknown event types job.exploded" in message
    assert "endpoints[1] (bad): 10.0.0.5 resolves to 10.0.0.5, refused (private address)" in message
    assert (
        "endpoints[2] (slack2): url names the environment variable UNSET_SLACK_URL, which is not set"
        in message
    )
    assert "Traceback" not in message
    assert not WebhookEndpoint.objects.filter(name="new").exists()


@pytest.mark.parametrize(
    ("content", "error"),
    [
        ("{not json", "is not JSON"),
        ('{"kind": "something-else"}', "not a recipes file"),
        (
            '{"kind": "bizops-automations", "version": 2, "endpoints": []}',
            "recipes version 2 is not supported",
        ),
    ],
)
def test_a_file_that_is_not_a_recipes_file_is_refused_in_one_line(tmp_path, content, error):
    path = tmp_path / "recipes.json"
    path.write_text(content)
    with pytest.raises(CommandError, match=error):
        run("import", str(path))
