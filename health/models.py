from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import NamedTuple

from django.db import models
from django.db.models import Max, Q
from django.utils import timezone


class JobOutcome(NamedTuple):
    """When a job last finished well, and last failed (None: never)."""

    last_success: datetime | None
    last_failure: datetime | None


class JobRunQuerySet(models.QuerySet):
    def for_job(self, job: str) -> "JobRunQuerySet":
        return self.filter(job=job)

    def for_jobs(self, jobs: Iterable[str]) -> "JobRunQuerySet":
        return self.filter(job__in=list(jobs))

    def succeeded(self) -> "JobRunQuerySet":
        return self.filter(status=JobRun.Status.SUCCEEDED)

    def running(self) -> "JobRunQuerySet":
        return self.filter(status=JobRun.Status.RUNNING)

    def started_since(self, moment: datetime) -> "JobRunQuerySet":
        return self.filter(started_at__gte=moment)

    def started_before(self, moment: datetime) -> "JobRunQuerySet":
        return self.filter(started_at__lt=moment)

    def last_outcomes(self, jobs: Iterable[str]) -> dict[str, JobOutcome]:
        """Each of ``jobs``' latest success and failure (their ``finished_at``), in one query.

        A job without any run is absent; a failure is ``failed`` only (a skipped or
        abandoned run is neither).
        """
        rows = (
            self.for_jobs(jobs)
            .values("job")
            .annotate(
                ok=Max("finished_at", filter=Q(status=JobRun.Status.SUCCEEDED)),
                failed=Max("finished_at", filter=Q(status=JobRun.Status.FAILED)),
            )
            .order_by()
        )
        return {row["job"]: JobOutcome(row["ok"], row["failed"]) for row in rows}

    def running_locked(self) -> "JobRunQuerySet":
        """Runs that say they are running and held their job's lock when they started."""
        return self.filter(status=JobRun.Status.RUNNING, locked=True)

    def older_than(self, days: int) -> "JobRunQuerySet":
        return self.filter(started_at__lt=timezone.now() - timedelta(days=days))


class JobRun(models.Model):
    """One run of a scheduled or manual job, recorded by ``health.jobs.track_job``."""

    class Trigger(models.TextChoices):
        BEAT = "beat", "Celery beat"
        COMMAND = "command", "Management command"
        MANUAL = "manual", "Manual (task sent by hand)"

    class Status(models.TextChoices):
        RUNNING = "running"
        SUCCEEDED = "succeeded"
        FAILED = "failed"
        SKIPPED = "skipped"
        # Its process died (killed, worker lost) while running: the lock lapsed, the run never finished.
        ABANDONED = "abandoned"

    job = models.CharField(max_length=100)
    trigger = models.CharField(max_length=10, choices=Trigger.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    duration = models.DurationField(null=True, blank=True)
    rows_read = models.PositiveBigIntegerField(default=0)
    rows_written = models.PositiveBigIntegerField(default=0)
    error = models.TextField(blank=True, help_text="Short error message, secrets masked.")
    task_id = models.CharField("Celery task id", max_length=255, blank=True)
    locked = models.BooleanField(default=True, help_text="Ran holding the job's lock.")
    detail = models.JSONField(default=dict, blank=True, help_text="Job-specific notes.")

    objects = JobRunQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at"]
        indexes = [
            # The run history of one job, newest first (admin, freshness checks).
            models.Index(fields=["job", "-started_at"], name="jobrun_job_started"),
        ]

    def __str__(self) -> str:
        started = timezone.localtime(self.started_at)
        return f"{self.job} {self.status} at {started:%Y-%m-%d %H:%M %Z}"

    def finish(self, status: str, error: str = "") -> bool:
        """Record the run's end with its counters and detail; True if recorded.

        Compare-and-set: only a run still ``running`` is finished. A run marked
        abandoned meanwhile (its lock lapsed, so another run may have overlapped
        it) stays abandoned; its late outcome is only noted in ``detail``, and
        this instance is refreshed to what the database holds.
        """
        self.finished_at = timezone.now()
        self.duration = self.finished_at - self.started_at
        fields = {
            "status": status,
            "finished_at": self.finished_at,
            "duration": self.duration,
            "error": error,
            "rows_read": self.rows_read,
            "rows_written": self.rows_written,
            "detail": self.detail,
        }
        if JobRun.objects.filter(pk=self.pk, status=JobRun.Status.RUNNING).update(**fields):
            self.status, self.error = status, error
            return True
        self.detail["finished_late"] = {"status": status, "error": error, "at": self.finished_at.isoformat()}
        JobRun.objects.filter(pk=self.pk).update(detail=self.detail)
        self.refresh_from_db(fields=["status", "error", "finished_at", "duration"])
        return False


class MonitorQuerySet(models.QuerySet):
    def jobs(self) -> "MonitorQuerySet":
        return self.filter(kind=Monitor.Kind.JOB)

    def sources(self) -> "MonitorQuerySet":
        return self.filter(kind=Monitor.Kind.SOURCE)


class Monitor(models.Model):
    """The last known state of one watched job or data source, as the sweep left it.

    Written only by the sweep (``health.watch``) with compare-and-set, so two
    sweeps at once never record the same flip twice.
    """

    class Kind(models.TextChoices):
        JOB = "job"
        SOURCE = "source"

    class State(models.TextChoices):
        NEW = "new", "New (not judged yet)"
        UP = "up", "Up"
        LATE = "late", "Late"
        DOWN = "down", "Down"
        PAUSED = "paused", "Paused"
        FRESH = "fresh", "Fresh"
        STALE = "stale", "Stale"

    kind = models.CharField(max_length=6, choices=Kind.choices)
    name = models.CharField(max_length=100)
    state = models.CharField(max_length=6, choices=State.choices, default=State.NEW)
    since = models.DateTimeField(default=timezone.now)
    reason = models.CharField(max_length=300, blank=True)
    first_seen = models.DateTimeField(default=timezone.now, help_text="Nothing is expected of it before.")
    checked_at = models.DateTimeField(null=True, blank=True)

    objects = MonitorQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "name"]
        constraints = [models.UniqueConstraint(fields=["kind", "name"], name="monitor_kind_name_unique")]

    def __str__(self) -> str:
        return f"{self.kind} {self.name}: {self.state}"


class Flip(models.Model):
    """A watched job or source changed state: when, from what, to what, and why."""

    monitor = models.ForeignKey(Monitor, on_delete=models.CASCADE, related_name="flips")
    at = models.DateTimeField(default=timezone.now)
    old_state = models.CharField(max_length=6, choices=Monitor.State.choices)
    new_state = models.CharField(max_length=6, choices=Monitor.State.choices)
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["monitor", "-at"], name="flip_monitor_at")]

    def __str__(self) -> str:
        return f"{self.monitor.name}: {self.old_state} -> {self.new_state}"


class HealthSnapshot(models.Model):
    """One sweep's scores and findings, kept so the report can show trends."""

    taken_at = models.DateTimeField(default=timezone.now)
    period_start = models.DateTimeField()
    period_end = models.DateTimeField()
    scores = models.JSONField(default=dict, help_text="Each score: value (or null), formula, components.")
    problems = models.JSONField(default=dict, help_text="Open problems by kind (entropy delta).")
    findings = models.JSONField(default=list, help_text="The findings, as stored for the report.")
    jobs_by_state = models.JSONField(default=dict)
    sources_by_state = models.JSONField(default=dict)
    tickets_closed = models.PositiveIntegerField(default=0)
    report_slug = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["-taken_at"]
        get_latest_by = "taken_at"

    def __str__(self) -> str:
        return f"health snapshot {timezone.localtime(self.taken_at):%Y-%m-%d %H:%M}"
