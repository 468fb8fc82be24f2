"""What other apps may read of the ground's data: backlog tickets and reports."""

from django.db.models import QuerySet

from bizops.core.models import BacklogTicket, Report


def tickets(*statuses: str) -> QuerySet[BacklogTicket]:
    """Backlog tickets, only those in ``statuses`` when given."""
    found = BacklogTicket.objects.all()
    return found.filter(status__in=statuses) if statuses else found


def reports(kind: str | None = None, slug_prefix: str = "") -> QuerySet[Report]:
    """Reports newest first, only those of ``kind`` (and whose slug starts ``slug_prefix``) when given."""
    found = Report.objects.order_by("-created_at", "-id")
    found = found.filter(kind=kind) if kind else found
    return found.filter(slug__startswith=slug_prefix) if slug_prefix else found


def latest_report(kind: str) -> Report | None:
    return reports(kind).first()
