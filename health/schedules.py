"""Installing Celery beat entries from data migrations.

Entries are created once and then belong to the team: they edit them in the
admin (django-celery-beat), so a later migration never overwrites an edit.
Every entry is a crontab in the reporting time zone with an ``expires``, so a
backlog of missed runs never piles up after downtime.
"""

from django.conf import settings
from django.utils import timezone


def install_periodic_task(
    apps,
    *,
    name: str,
    task: str,
    minute: str,
    hour: str,
    day_of_week: str = "*",
    expire_seconds: int,
    kwargs: str = "{}",
    description: str = "",
) -> None:
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute=minute,
        hour=hour,
        day_of_week=day_of_week,
        day_of_month="*",
        month_of_year="*",
        timezone=settings.REPORTING_TIMEZONE,
    )
    _, created = PeriodicTask.objects.get_or_create(
        name=name,
        defaults={
            "task": task,
            "crontab": crontab,
            "kwargs": kwargs,
            "expire_seconds": expire_seconds,
            "description": description,
        },
    )
    if created:
        # Tell a running beat to reload its schedule.
        PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def remove_periodic_task(apps, *, name: str) -> None:
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=name).delete()
