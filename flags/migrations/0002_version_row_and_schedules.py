from django.db import migrations

from health.schedules import install_periodic_task, remove_periodic_task

SCHEDULES = [
    {
        "name": "flags: apply scheduled flag changes",
        "task": "flags.apply_scheduled_changes",
        "minute": "*",
        "hour": "*",
        "expire_seconds": 50,
        "description": "Records due scheduled kill-switch changes on their flags (the snapshot already "
        "serves them on the second).",
    },
    {
        "name": "flags: recompute experiment results",
        "task": "flags.recompute_results",
        "minute": "20",
        "hour": "*",
        "expire_seconds": 3000,
        "description": "Conversions from orders, then every running or stopped experiment's results.",
    },
]


def create_version_row(apps, schema_editor):
    apps.get_model("flags", "SnapshotVersion").objects.get_or_create(pk=1, defaults={"version": 1})


def install_schedules(apps, schema_editor):
    for entry in SCHEDULES:
        install_periodic_task(apps, **entry)


def remove_schedules(apps, schema_editor):
    for entry in SCHEDULES:
        remove_periodic_task(apps, name=entry["name"])


class Migration(migrations.Migration):
    dependencies = [
        ("flags", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [
        migrations.RunPython(create_version_row, migrations.RunPython.noop),
        migrations.RunPython(install_schedules, remove_schedules),
    ]
