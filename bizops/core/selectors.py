"""What other apps may read of the ground's data: backlog tickets and reports."""

from django.db.models import QuerySet

from bizops.core.models import BacklogTicket, Report


def tickets(*statuses: str) -> QuerySet[BacklogTicket]:
    """Backlog tickets, only those in ``statuses`` when given."""
    found = BacklogTicket.objects.all()
    return found.filter(status__in=statuses) if statuses else found


def reports(kind: str | None = None) -> QuerySet[Report]:
    """Reports newest first, only those of ``kind`` when given."""
    found = Report.objects.order_by("-created_at", "-id")
    return found.filter(kind=kind) if kind else found


def latest_report(kind: str) -> Report | None:
    return reports(kind).first()
