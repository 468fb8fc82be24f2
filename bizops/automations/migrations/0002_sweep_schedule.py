from django.db import migrations

from health.schedules import install_periodic_task, remove_periodic_task

NAME = "automations: webhook sweep"


def install(apps, schema_editor):
    install_periodic_task(
        apps,
        name=NAME,
        task="automations.sweep",
        minute="*",
        hour="*",
        expire_seconds=55,
        description="Dispatches undispatched events and queues due webhook deliveries (README, Automations).",
    )


def remove(apps, schema_editor):
    remove_periodic_task(apps, name=NAME)


class Migration(migrations.Migration):
    dependencies = [
        ("automations", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(install, remove)]
