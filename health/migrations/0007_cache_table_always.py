from django.core.management import call_command
from django.db import migrations
from django.test.utils import override_settings

CACHE_TABLE = "bizops_cache"


def create_cache_table(apps, schema_editor):
    # 0002 made the table only when the database cache was the configured one, so a
    # database migrated with Redis set had none, and dropping REDIS_URL later left the
    # cache (job locks, the /health/ probe, import previews) without its table.
    database_cache = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": CACHE_TABLE}}
    with override_settings(CACHES=database_cache):
        call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("health", "0006_monitors_flips_snapshots")]
    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
