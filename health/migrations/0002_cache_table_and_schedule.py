from django.core.management import call_command
from django.db import migrations

from health.schedules import install_periodic_task, remove_periodic_task


def create_cache_table(apps, schema_editor):
    # The database cache (used when REDIS_URL is unset) needs its table;
    # the command does nothing when another cache backend is configured.
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


def install_schedule(apps, schema_editor):
    install_periodic_task(
        apps,
        name="health: prune job run history",
        task="health.prune_job_runs",
        minute="40",
        hour="3",
        expire_seconds=3600,
        description="Deletes job runs older than JOB_RUN_RETENTION_DAYS.",
    )


def remove_schedule(apps, schema_editor):
    remove_periodic_task(apps, name="health: prune job run history")


class Migration(migrations.Migration):
    dependencies = [
        ("health", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [
        migrations.RunPython(create_cache_table, migrations.RunPython.noop),
        migrations.RunPython(install_schedule, remove_schedule),
    ]
