from django.db import migrations

from health.schedules import install_periodic_task, remove_periodic_task

NAME = "etl: nightly pipeline (pulls, then metrics)"


def install(apps, schema_editor):
    install_periodic_task(
        apps,
        name=NAME,
        task="etl.nightly_pipeline",
        minute="10",
        hour="1",
        # A night missed by more than 4 hours is not replayed: the next night's
        # lookback windows and trailing metrics window cover it.
        expire_seconds=4 * 3600,
        description=(
            "01:10 America/Toronto: Meta, TikTok and Shopify pulls side by side (a chord), then the "
            "daily metrics over the trailing window once all three have ended; a failed pull is noted "
            "as stale on the metrics run."
        ),
    )


def remove(apps, schema_editor):
    remove_periodic_task(apps, name=NAME)


class Migration(migrations.Migration):
    dependencies = [
        ("etl", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(install, remove)]
