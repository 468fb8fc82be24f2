"""A report's figures on its change page: a read-only table, not an editable JSON textarea."""

import pytest

from bizops.core.figures import rows
from bizops.core.models import Report
from tests.factories import ReportFactory

pytestmark = pytest.mark.django_db

FIGURES = {
    "net_sales": 25690.41,
    "orders": 1234,
    "by_channel": {"meta": 12, "tiktok": [1, 2]},
    "note": "<b>x</b>",
}


def test_figures_become_key_value_rows_with_nested_values_compact():
    assert rows(FIGURES) == [
        ("net_sales", "25,690.41"),
        ("orders", "1,234"),
        ("by_channel", '{"meta": 12, "tiktok": [1, 2]}'),
        ("note", "<b>x</b>"),
    ]
    assert rows({}) == [] and rows(None) == []


def test_the_change_page_shows_figures_as_a_read_only_table(admin_client):
    report = ReportFactory(figures=FIGURES)
    page = admin_client.get(f"/admin/bizops/report/{report.pk}/change/").content.decode()

    assert 'name="figures"' not in page  # no editable textarea
    assert '<tr><th scope="row">orders</th><td>1,234</td></tr>' in page
    assert "<td>{&quot;meta&quot;: 12, &quot;tiktok&quot;: [1, 2]}</td>" in page
    assert "&lt;b&gt;x&lt;/b&gt;" in page  # escaped

    response = admin_client.post(
        f"/admin/bizops/report/{report.pk}/change/",
        {
            "kind": report.kind,
            "title": report.title,
            "slug": report.slug,
            "produced_by": report.produced_by,
            "body": report.body,
            "figures": '{"orders": 1}',
        },
    )
    assert response.status_code in (200, 302)
    assert Report.objects.get(pk=report.pk).figures == FIGURES
