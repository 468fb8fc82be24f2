"""The catalogue is the truth: every type documented in the README with its version, readable in Slack."""

import re
from pathlib import Path

from django.conf import settings

from bizops.events import catalogue

REQUIRED = {
    "job.failed",
    "job.missed",
    "job.recovered",
    "source.stale",
    "health.score_dropped",
    "health.report_ready",
    "experiment.sample_reached",
    "experiment.srm_detected",
    "experiment.decided",
    "flag.changed",
    "flag.stale",
    "ticket.created",
    "forecast.ready",
    "etl.run_finished",
    "endpoint.disabled",
}


def test_the_catalogue_holds_every_event_type_people_subscribe_to():
    assert {spec.name for spec in catalogue.subscribable()} == REQUIRED


def test_the_readme_documents_each_type_with_its_version_and_fields():
    readme = (Path(settings.BASE_DIR) / "README.md").read_text()
    for spec in catalogue.CATALOGUE.values():
        row = re.search(rf"^\| `{re.escape(spec.name)}` \| (\d+) \|.*$", readme, re.M)
        assert row, f"{spec.name} is not in the README's event table"
        assert int(row[1]) == spec.version
        for name in spec.fields:
            assert f"`{name.rstrip('?')}`" in row[0], f"{spec.name}: {name} is not documented"


def test_each_types_line_reads_its_payload_without_gaps():
    for spec in catalogue.CATALOGUE.values():
        payload = {name.rstrip("?"): f"<{name.rstrip('?')}>" for name in spec.fields}
        assert spec.problems(payload) == []
        line = catalogue.render_text(spec.name, payload)
        assert "?" not in line and "{" not in line, line
