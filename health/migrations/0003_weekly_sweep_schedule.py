from django.db import migrations

from health.schedules import install_periodic_task, remove_periodic_task

NAME = "health: weekly sweep"


def install(apps, schema_editor):
    install_periodic_task(
        apps,
        name=NAME,
        task="health.weekly_sweep",
        minute="30",
        hour="7",
        day_of_week="1",
        expire_seconds=6 * 3600,
        description="Writes the weekly health report (job success, overdue jobs, findings).",
    )


def remove(apps, schema_editor):
    remove_periodic_task(apps, name=NAME)


class Migration(migrations.Migration):
    dependencies = [("health", "0002_cache_table_and_schedule")]
    operations = [migrations.RunPython(install, remove)]
