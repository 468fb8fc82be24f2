"""The shared job wrapper: every run recorded, failures kept, overlaps refused."""

import threading
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from health.abandoned import abandon, mark_abandoned
from health.jobs import JobSkipped, current_run, track_job
from health.locks import job_lock
from health.models import JobRun
from health.runners import SKIPPED_EXIT_STATUS, JobCommand
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
    assert result["error"] == "skipped: health.prune_job_runs is already running (its run is starting)"
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


class HoldingCommand(JobCommand):
    job_name = "tests.held"

    def run_job(self, run, *args, **options):
        run.add(written=1)
        self.stdout.write("ran")


def test_a_command_refused_by_the_lock_exits_3_saying_who_holds_the_job():
    with track_job("tests.held", trigger="beat") as holder, pytest.raises(CommandError) as caught:
        call_command(HoldingCommand(), stdout=StringIO())
    since = timezone.localtime(holder.run.started_at)
    assert str(caught.value) == (
        f"skipped: tests.held is already running (run #{holder.run.pk} since {since:%Y-%m-%d %H:%M:%S %Z})"
    )
    assert caught.value.returncode == SKIPPED_EXIT_STATUS == 3
    assert JobRun.objects.filter(job="tests.held", status="skipped").count() == 1


class Announcing(StringIO):
    """Command output that tells the test when the command starts waiting."""

    def __init__(self):
        super().__init__()
        self.waiting = threading.Event()

    def write(self, text):
        if text.startswith("waiting up to "):
            self.waiting.set()
        return super().write(text)


def test_a_command_with_wait_runs_once_the_holder_ends(transactional_db):
    out, outcome = Announcing(), {}

    def waiter():
        try:
            call_command(HoldingCommand(), "--wait", "60", stdout=out)
            outcome["ok"] = True
        except BaseException as exc:
            outcome["error"] = exc
        finally:
            connection.close()

    with track_job("tests.held", trigger="beat") as holder:
        thread = threading.Thread(target=waiter)
        thread.start()
        assert out.waiting.wait(timeout=60), "the command never started waiting"
        assert JobRun.objects.filter(job="tests.held").count() == 1  # nothing ran yet
    thread.join(timeout=60)
    assert outcome == {"ok": True}
    assert f"tests.held is already running (run #{holder.run.pk} since " in out.getvalue()
    assert "ran" in out.getvalue()
    statuses = list(JobRun.objects.filter(job="tests.held").order_by("pk").values_list("status", flat=True))
    assert statuses == ["succeeded", "succeeded"]


def test_wait_refuses_a_value_that_is_not_seconds():
    with pytest.raises(CommandError, match="'soon' is not a number of seconds"):
        call_command(HoldingCommand(), "--wait", "soon")


def test_a_new_run_marks_runs_its_lock_shows_are_dead_as_abandoned():
    dead = JobRunFactory(job="tests.crashed", status="running", locked=True)
    unlocked = JobRunFactory(job="tests.crashed", status="running", locked=False)
    with track_job("tests.crashed", trigger="beat") as run:
        pass
    dead.refresh_from_db()
    unlocked.refresh_from_db()
    assert dead.status == "abandoned" and dead.error.startswith("abandoned: its process stopped")
    assert unlocked.status == "running"  # ran without the lock: the lock says nothing about it
    assert JobRun.objects.get(pk=run.run.pk).status == "succeeded"


def test_a_run_marked_abandoned_stays_abandoned_when_it_finishes_late():
    with track_job("tests.late", trigger="beat") as run:
        run.add(written=5)
        # Its lock lapsed (a long pause) and the sweep saw it free.
        assert abandon(JobRun.objects.filter(pk=run.run.pk)) == 1
    recorded = JobRun.objects.get(pk=run.run.pk)
    assert recorded.status == "abandoned"
    assert recorded.detail["finished_late"]["status"] == "succeeded"
    assert recorded.error.startswith("abandoned:")


def test_abandoning_a_run_that_already_finished_changes_nothing():
    with track_job("tests.done", trigger="beat") as run:
        pass
    assert abandon(JobRun.objects.filter(pk=run.run.pk)) == 0
    assert JobRun.objects.get(pk=run.run.pk).status == "succeeded"


def test_mark_abandoned_leaves_runs_whose_lock_is_held():
    alive = JobRunFactory(job="tests.alive", status="running")
    dead = JobRunFactory(job="tests.dead", status="running")
    with job_lock("tests.alive"):
        assert mark_abandoned() == 1
    alive.refresh_from_db()
    dead.refresh_from_db()
    assert (alive.status, dead.status) == ("running", "abandoned")


def test_a_run_that_waited_for_another_runs_lock_notes_how_long_it_waited(settings, monkeypatch):
    """Multi-job coordination: a run that started late because another held the lock says so."""
    import threading

    from health import locks
    from health.jobs import track_job

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    monkeypatch.setattr(locks, "_backend", lambda: "cache")
    taken, release = threading.Event(), threading.Event()

    def holder():
        with locks.job_lock("tests.busy"):
            taken.set()
            release.wait(30)

    thread = threading.Thread(target=holder)
    thread.start()
    assert taken.wait(10)
    # The holder lets go once the run has found the lock busy and starts waiting.
    with track_job("tests.busy", trigger="command", wait=30, on_wait=lambda message: release.set()) as handle:
        pass
    thread.join(10)
    handle.run.refresh_from_db()
    assert handle.run.detail["waited_for_lock_seconds"] >= 1.0
