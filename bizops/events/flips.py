"""Alerts on flips, not on every check (healthchecks.io's way).

A subject (a job, a data source) that goes down emits its "down" event once;
while it stays down it is reminded every ``ALERT_REMINDER_HOURS``; when it is
up again the "up" event (``job.recovered``) says so once. The state lives in
``AlertState``, updated under a row lock in the caller's transaction.

These functions are what the job wrapper and the health sweep call:

    job_failed("etl.pull_meta", run_id=12, error="...", finished_at=...)
    job_succeeded("etl.pull_meta", run_id=13, finished_at=...)
    job_missed("etl.pull_meta", last_success=..., every=timedelta(days=1), grace=timedelta(hours=2))
    source_stale("meta", last_loaded_at=..., max_age=timedelta(hours=30))
    source_fresh("meta")
    score_dropped(previous=Decimal("92"), score=Decimal("70"), report="health-2026-11-30")
    report_ready(kind="health", report="health-2026-11-30", title="...", score=Decimal("70"))
"""

from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from bizops.events.models import AlertState, Event
from bizops.events.outbox import emit


def _flip_down(subject: str, event_type: str, payload: dict, now: datetime) -> Event | None:
    with transaction.atomic():
        state, created = AlertState.objects.select_for_update().get_or_create(
            subject=subject, defaults={"down": True, "since": now, "last_alerted_at": now}
        )
        if created or not state.down:
            state.down, state.since, state.last_alerted_at = True, now, now
            state.save()
            return emit(event_type, {**payload, "down_since": now, "reminder": False}, occurred_at=now)
        reminder_due = state.last_alerted_at is None or (
            now - state.last_alerted_at >= timedelta(hours=settings.ALERT_REMINDER_HOURS)
        )
        if not reminder_due:
            return None
        state.last_alerted_at = now
        state.save(update_fields=["last_alerted_at"])
        return emit(event_type, {**payload, "down_since": state.since, "reminder": True}, occurred_at=now)


def _flip_up(subject: str, event_type: str | None, payload: dict, now: datetime) -> Event | None:
    with transaction.atomic():
        state = AlertState.objects.select_for_update().filter(subject=subject, down=True).first()
        if state is None:
            return None
        down_since = state.since
        state.down, state.since = False, now
        state.save(update_fields=["down", "since"])
        if event_type is None:
            return None
        down_seconds = int((now - down_since).total_seconds())
        return emit(
            event_type, {**payload, "down_since": down_since, "down_seconds": down_seconds}, occurred_at=now
        )


def became(was: bool, now: bool, event_type: str, payload: dict) -> Event | None:
    """Emit ``event_type`` when a condition turns true (``was`` false, ``now`` true); nothing otherwise."""
    return emit(event_type, payload) if now and not was else None


def flag_stale(flag: str, *, reason: str, now: datetime | None = None) -> Event | None:
    """``flag.stale`` once when a flag becomes stale (reminded every ``ALERT_REMINDER_HOURS``)."""
    return _flip_down(f"flag:{flag}", "flag.stale", {"flag": flag, "reason": reason}, now or timezone.now())


def down_keys(kind: str) -> list[str]:
    """The names of the subjects of ``kind`` ("flag", "job", "source") that are down now."""
    subjects = AlertState.objects.filter(subject__startswith=f"{kind}:", down=True)
    return [subject.split(":", 1)[1] for subject in subjects.values_list("subject", flat=True)]


def flag_fresh(flag: str, *, now: datetime | None = None) -> None:
    """A stale flag is no longer stale (cleaned up or in use again): the next staleness alerts anew."""
    _flip_up(f"flag:{flag}", None, {}, now or timezone.now())


def _job_admin_path(run_id: int | None) -> dict:
    return {"admin_path": f"/admin/health/jobrun/{run_id}/change/"} if run_id else {}


def job_failed(job: str, *, run_id: int, error: str, finished_at: datetime | None = None) -> Event | None:
    now = finished_at or timezone.now()
    payload = {"job": job, "run_id": run_id, "error": error, "finished_at": now, **_job_admin_path(run_id)}
    return _flip_down(f"job:{job}", "job.failed", payload, now)


def job_missed(
    job: str,
    *,
    last_success: datetime | None,
    every: timedelta,
    grace: timedelta,
    now: datetime | None = None,
) -> Event | None:
    payload = {
        "job": job,
        "last_success": last_success,
        "every_seconds": int(every.total_seconds()),
        "grace_seconds": int(grace.total_seconds()),
        "admin_path": f"/admin/health/jobrun/?job={job}",
    }
    return _flip_down(f"job:{job}", "job.missed", payload, now or timezone.now())


def job_succeeded(
    job: str, *, run_id: int | None = None, finished_at: datetime | None = None
) -> Event | None:
    """``job.recovered`` if the job was down (failed or missed); nothing otherwise."""
    payload = {"job": job, **({"run_id": run_id} if run_id else {}), **_job_admin_path(run_id)}
    return _flip_up(f"job:{job}", "job.recovered", payload, finished_at or timezone.now())


def source_stale(
    source: str, *, last_loaded_at: datetime | None, max_age: timedelta, now: datetime | None = None
) -> Event | None:
    payload = {
        "source": source,
        "last_loaded_at": last_loaded_at,
        "max_age_seconds": int(max_age.total_seconds()),
    }
    return _flip_down(f"source:{source}", "source.stale", payload, now or timezone.now())


def source_fresh(source: str, *, now: datetime | None = None) -> None:
    """A stale source has fresh data again: the next staleness alerts anew."""
    _flip_up(f"source:{source}", None, {}, now or timezone.now())


def score_dropped(*, previous: Decimal, score: Decimal, report: str) -> Event | None:
    """``health.score_dropped`` when ``previous - score`` exceeds ``HEALTH_SCORE_DROP_ALERT`` points."""
    drop = Decimal(previous) - Decimal(score)
    threshold = settings.HEALTH_SCORE_DROP_ALERT
    if drop <= threshold:
        return None
    return emit(
        "health.score_dropped",
        {
            "score": Decimal(score),
            "previous_score": Decimal(previous),
            "drop": drop,
            "threshold": threshold,
            "report": report,
            "admin_path": "/admin/bizops/report/",
        },
    )


def report_ready(*, kind: str, report: str, title: str, score: Decimal | None = None) -> Event:
    payload = {"kind": kind, "report": report, "title": title, "admin_path": "/admin/bizops/report/"}
    if score is not None:
        payload["score"] = Decimal(score)
    return emit("health.report_ready", payload)
