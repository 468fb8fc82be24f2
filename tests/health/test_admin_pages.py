from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from health import registry
from health.report import write_snapshot
from health.sweep import run_sweep
from tests.factories import JobRunFactory

pytestmark = pytest.mark.django_db


def runs():
    now = timezone.now()
    for hours, status, seconds in ((50, "succeeded", 10), (26, "succeeded", 30), (2, "failed", 5)):
        at = now - timedelta(hours=hours)
        JobRunFactory(
            job="a.daily", status=status, started_at=at, finished_at=at + timedelta(seconds=seconds),
            duration=timedelta(seconds=seconds), rows_read=1200, rows_written=1000,
            error="ValueError: the feed was empty" if status == "failed" else "",
        )  # fmt: skip


def test_the_job_page_shows_success_rate_percentiles_rows_flips_and_the_last_error(
    admin_client, only_these_jobs
):
    only_these_jobs(registry.JobSpec("a.daily", timedelta(days=1), description="A daily job."))
    runs()
    run_sweep()
    page = admin_client.get(reverse("admin:health_job", args=["a.daily"])).content.decode()
    # 2 succeeded / (2 + 1 failed) = 66.7%; p50 of (10, 30) s = 10 s (nearest rank), p95 = 30 s.
    assert "66.7%" in page
    assert "10.0 s / 30.0 s" in page
    assert "3,600 / 3,000" in page
    assert "ValueError: the feed was empty" in page
    assert "the last run failed (1 of 3 allowed)" in page
    assert 'id="runs-data"' in page


def test_an_unknown_job_is_a_404(admin_client, only_these_jobs):
    only_these_jobs()
    assert admin_client.get(reverse("admin:health_job", args=["no.such"])).status_code == 404


def test_the_overview_shows_scores_findings_by_family_jobs_and_sources(admin_client, only_these_jobs):
    only_these_jobs(registry.JobSpec("a.daily", timedelta(days=1)))
    runs()
    write_snapshot(run_sweep())
    page = admin_client.get(reverse("admin:health_overview")).content.decode()
    assert "Resilience index" in page and "Coherence" in page
    # late (the last run failed) and its failed run: two resilience findings.
    assert "Feedback loops (0)" in page and "Resilience (2)" in page
    assert reverse("admin:health_job", args=["a.daily"]) in page
    assert 'id="scores-data"' in page


def test_the_overview_before_any_sweep_says_how_to_fill_it(admin_client):
    page = admin_client.get(reverse("admin:health_overview")).content.decode()
    assert "python manage.py health_sweep" in page


def test_the_pages_need_the_health_view_permission(client, only_these_jobs):
    from tests.factories import UserFactory

    user = UserFactory(username="nobody", is_staff=True)
    client.force_login(user)
    assert client.get(reverse("admin:health_overview")).status_code == 403


def test_the_snapshots_list_shows_each_sweeps_scores(admin_client, only_these_jobs):
    only_these_jobs(registry.JobSpec("a.daily", timedelta(days=1)))
    runs()
    write_snapshot(run_sweep())
    page = admin_client.get(reverse("admin:health_healthsnapshot_changelist")).content.decode()
    assert "not enough data" in page  # entropy: no week before
    overview = admin_client.get(reverse("admin:health_overview")).content.decode()
    assert "/admin/bizops/report/" in overview
