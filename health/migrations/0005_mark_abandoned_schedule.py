from django.db import migrations

from health.schedules import install_periodic_task, remove_periodic_task

NAME = "health: mark abandoned runs"


def install(apps, schema_editor):
    install_periodic_task(
        apps,
        name=NAME,
        task="health.mark_abandoned",
        minute="*/10",
        hour="*",
        # Within its own ten minutes, or not at all: the next one is on its way.
        expire_seconds=9 * 60,
        description="Marks abandoned the runs still running whose job's lock is free (their process died).",
    )


def remove(apps, schema_editor):
    remove_periodic_task(apps, name=NAME)


class Migration(migrations.Migration):
    dependencies = [("health", "0004_jobrun_abandoned_and_locked")]
    operations = [migrations.RunPython(install, remove)]
