"""The shared job wrapper: every run recorded, failures kept, overlaps refused."""

import pytest
from django.core.management import CommandError
from django.utils import timezone

from health.jobs import JobSkipped, current_run, track_job
from health.locks import job_lock
from health.models import JobRun
from health.runners import JobCommand
from health.tasks import prune_job_runs
from tests.factories import JobRunFactory

pytestmark = pytest.mark.django_db


def test_it_records_a_successful_run_with_counts_and_duration():
    with track_job("tests.ok", trigger="command") as run:
        run.add(read=10, written=7)
        run.note(source="meta")
    recorded = JobRun.objects.get(job="tests.ok")
    assert recorded.status == JobRun.Status.SUCCEEDED
    assert (recorded.rows_read, recorded.rows_written) == (10, 7)
    assert recorded.detail == {"source": "meta"}
    assert recorded.finished_at >= recorded.started_at
    assert recorded.duration == recorded.finished_at - recorded.started_at


def test_a_job_that_raises_is_recorded_as_failed_and_still_raises(monkeypatch):
    monkeypatch.setenv("META_ACCESS_TOKEN", "EAAsecret123456")
    with pytest.raises(ValueError, match="boom"), track_job("tests.fail", trigger="manual"):
        raise ValueError("boom at https://graph.test/?access_token=EAAsecret123456")
    run = JobRun.objects.get(job="tests.fail")
    assert run.status == JobRun.Status.FAILED
    assert run.error.startswith("ValueError: boom at https://graph.test/?access_token=[REDACTED]")
    assert "EAAsecret123456" not in run.error
    assert run.finished_at is not None


def test_a_second_run_while_the_first_holds_the_lock_is_skipped():
    with (
        track_job("tests.locked", trigger="beat") as first,
        pytest.raises(JobSkipped),
        track_job("tests.locked", trigger="command"),
    ):
        pytest.fail("the body of a skipped run must not run")
    statuses = sorted(JobRun.objects.filter(job="tests.locked").values_list("status", flat=True))
    assert statuses == ["skipped", "succeeded"]
    skipped = JobRun.objects.get(job="tests.locked", status="skipped")
    since = timezone.localtime(first.run.started_at)
    assert skipped.error == (
        f"skipped: tests.locked is already running (run #{first.run.pk} since {since:%Y-%m-%d %H:%M:%S %Z})"
    )


def test_the_lock_is_released_after_a_failure():
    with pytest.raises(RuntimeError), track_job("tests.release", trigger="command"):
        raise RuntimeError("x")
    with job_lock("tests.release") as acquired:
        assert acquired


def test_logic_inside_a_job_can_report_progress_through_current_run():
    def logic():
        current_run().add(written=3)
        current_run().save_progress()
        return JobRun.objects.get(job="tests.progress").rows_written

    assert current_run() is None
    with track_job("tests.progress", trigger="command"):
        assert logic() == 3
    assert current_run() is None


def test_a_celery_task_records_its_run_with_its_task_id():
    JobRunFactory(job="old", started_at="2020-01-01T00:00:00Z")
    result = prune_job_runs.apply(kwargs={"days": 30}, task_id="abc-123")
    assert result.get()["deleted"] == 1
    run = JobRun.objects.get(job="health.prune_job_runs")
    assert (run.trigger, run.status, run.task_id, run.rows_written) == ("manual", "succeeded", "abc-123", 1)


def test_a_celery_task_sent_by_beat_is_recorded_as_beat():
    prune_job_runs.apply(headers={"periodic_task_name": "health: prune job run history"})
    assert JobRun.objects.get(job="health.prune_job_runs").trigger == "beat"


def test_a_celery_task_refused_by_the_lock_returns_skipped():
    with job_lock("health.prune_job_runs"):
        result = prune_job_runs.apply().get()
    assert result["status"] == "skipped"
    assert JobRun.objects.get(job="health.prune_job_runs").status == "skipped"


class FailingCommand(JobCommand):
    job_name = "tests.command"

    def run_job(self, run, *args, **options):
        raise KeyError("missing_column")


def test_a_failing_command_exits_with_a_message_naming_the_problem():
    with pytest.raises(CommandError, match=r"tests\.command failed: KeyError: 'missing_column'"):
        FailingCommand().execute(
            stdout=None,
            stderr=None,
            no_color=True,
            skip_checks=True,
            force_color=False,
            traceback=False,
            verbosity=1,
        )
    assert JobRun.objects.get(job="tests.command").status == "failed"
