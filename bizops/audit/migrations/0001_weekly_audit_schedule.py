from django.db import migrations

from health.schedules import install_periodic_task, remove_periodic_task

NAME = "audit: weekly business audit and memo"


def install(apps, schema_editor):
    install_periodic_task(
        apps,
        name=NAME,
        task="audit.weekly_audit",
        minute="0",
        hour="8",
        day_of_week="1",
        expire_seconds=6 * 3600,
        description="Writes the business audit (unaligned_audit_<day>) and the executive memo, after the health sweep.",
    )


def remove(apps, schema_editor):
    remove_periodic_task(apps, name=NAME)


class Migration(migrations.Migration):
    dependencies = [("django_celery_beat", "0019_alter_periodictasks_options")]
    operations = [migrations.RunPython(install, remove)]
