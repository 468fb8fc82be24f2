import pytest
from django.core.management import call_command
from django.urls import reverse

from tests.factories import ReportFactory

pytestmark = pytest.mark.django_db


def test_export_reports_writes_each_report_under_its_kind(tmp_path, capsys):
    ReportFactory(kind="health", slug="weekly-2026-11-23", title="Weekly health", body="All **green**.")
    ReportFactory(kind="finance", slug="forecast-2026-11", title="Forecast")
    call_command("export_reports", str(tmp_path))
    assert "exported 2 report(s)" in capsys.readouterr().out
    text = (tmp_path / "health" / "weekly-2026-11-23.md").read_text()
    assert text.startswith("---\ntitle: Weekly health\nkind: health\n")
    assert text.rstrip().endswith("All **green**.")
    assert (tmp_path / "finance" / "forecast-2026-11.md").exists()


def test_export_reports_can_keep_to_one_kind(tmp_path):
    ReportFactory(kind="health", slug="a")
    ReportFactory(kind="exec", slug="b")
    call_command("export_reports", str(tmp_path), "--kind", "exec")
    assert [p.name for p in tmp_path.iterdir()] == ["exec"]


def test_the_admin_lists_filters_and_renders_reports_safely(admin_client):
    report = ReportFactory(
        kind="system",
        title="Loops",
        body="# Loops\n\n<img src=x onerror=alert(1)>ok",
        period_start="2026-11-01",
        period_end="2026-11-30",
    )
    listing = admin_client.get(reverse("admin:bizops_report_changelist"), {"kind__exact": "system"})
    assert "Loops" in listing.content.decode()
    assert "2026-11-01 to 2026-11-30" in listing.content.decode()
    detail = admin_client.get(reverse("admin:bizops_report_change", args=[report.pk])).content.decode()
    assert "<h1>Loops</h1>" in detail
    assert "onerror" not in detail.split("<h1>Loops</h1>")[1].split("</div>")[0]
