import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from bizops.core.models import BacklogTicket, Report
from health.models import JobRun


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("correct horse battery staple")
    is_staff = True

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        for name in extracted or []:
            self.groups.add(Group.objects.get(name=name))


class BacklogTicketFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BacklogTicket

    key = factory.Sequence(lambda n: f"ticket_{n}")
    title = factory.Sequence(lambda n: f"Ticket number {n}")
    priority = BacklogTicket.Priority.P1
    status = BacklogTicket.Status.READY
    body = "## Why\n\nBecause."


class ReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Report

    kind = Report.Kind.EXEC
    title = factory.Sequence(lambda n: f"Report {n}")
    slug = factory.Sequence(lambda n: f"report-{n}")
    body = "# Heading\n\nText."
    produced_by = "tests"


class JobRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = JobRun

    job = "tests.job"
    trigger = JobRun.Trigger.MANUAL
    status = JobRun.Status.SUCCEEDED
