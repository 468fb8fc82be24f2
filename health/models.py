from datetime import timedelta

from django.db import models
from django.utils import timezone


class JobRunQuerySet(models.QuerySet):
    def for_job(self, job: str) -> "JobRunQuerySet":
        return self.filter(job=job)

    def succeeded(self) -> "JobRunQuerySet":
        return self.filter(status=JobRun.Status.SUCCEEDED)

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
        return f"{self.job} {self.status} at {self.started_at:%Y-%m-%d %H:%M}"
