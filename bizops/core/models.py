from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords


class BacklogTicket(models.Model):
    """A unit of work the team tracks, edited in the admin or as a Markdown file."""

    class Priority(models.TextChoices):
        P0 = "P0", "P0 (critical)"
        P1 = "P1", "P1 (high)"
        P2 = "P2", "P2 (normal)"
        P3 = "P3", "P3 (low)"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        READY = "ready", "Ready"
        IN_PROGRESS = "in_progress", "In progress"
        BLOCKED = "blocked", "Blocked"
        DONE = "done", "Done"

    key = models.SlugField(max_length=100, unique=True, help_text="Stable id, e.g. analytics_infrastructure.")
    title = models.CharField(max_length=200)
    priority = models.CharField(max_length=2, choices=Priority.choices, default=Priority.P2)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="backlog_tickets",
    )
    target_week = models.CharField(
        max_length=20, blank=True, help_text='The planned week, e.g. "Week 1" or "2026-W49".'
    )
    due_date = models.DateField(null=True, blank=True)
    kpi = models.CharField("KPI", max_length=200, blank=True, help_text="The number this ticket should move.")
    target = models.CharField(
        max_length=200, blank=True, help_text='Where the KPI should get to, e.g. "CAC at or below 42.00 USD".'
    )
    signal_30d = models.TextField(
        "30-day signal", blank=True, help_text="What we expect to see within 30 days."
    )
    acceptance_criteria = models.TextField(blank=True, help_text="Markdown; one criterion per line.")
    body = models.TextField(blank=True, help_text="Markdown.")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    done_at = models.DateTimeField(null=True, blank=True, editable=False)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["priority", "due_date", "key"]
        permissions = [("move_backlogticket", "Can move backlog tickets between statuses")]

    def __str__(self) -> str:
        return f"{self.key}: {self.title}"

    def save(self, *args, **kwargs):
        # done_at follows the status: set when a ticket reaches done, cleared
        # when it is reopened, so "done this week" never counts a reopened one.
        if self.status == self.Status.DONE and self.done_at is None:
            self.done_at = timezone.now()
        elif self.status != self.Status.DONE:
            self.done_at = None
        super().save(*args, **kwargs)

    @property
    def age(self):
        return timezone.now() - self.created_at


# The app's label ("bizops") is not its package ("bizops.core"), so simple_history
# names the package as the history model's module while it puts the class here:
# name this module, where it can be imported from (the shell's auto-import does).
BacklogTicket.history.model.__module__ = __name__


class Report(models.Model):
    """A written report (Markdown) with the figures it was computed from."""

    class Kind(models.TextChoices):
        EXEC = "exec", "Executive"
        FINANCE = "finance", "Finance"
        SYSTEM = "system", "System"
        HEALTH = "health", "Health"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=120)
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    body = models.TextField(help_text="Markdown.")
    figures = models.JSONField(default=dict, blank=True, help_text="The numbers behind the text.")
    produced_by = models.CharField(max_length=100, help_text="The person or job that wrote it.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["kind", "slug"], name="report_kind_slug_unique")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.title}"

    @property
    def period(self) -> str:
        if self.period_start and self.period_end and self.period_start != self.period_end:
            return f"{self.period_start:%Y-%m-%d} to {self.period_end:%Y-%m-%d}"
        day = self.period_start or self.period_end
        return f"{day:%Y-%m-%d}" if day else ""
