"""The catalog is read in a fixed number of statements, whatever the number of tables."""

from django.apps import apps

from bizops.core.declaration import SecurityRegistry, authenticated_read
from bizops.supabase.diff import plan
from etl.models import DailyMetric


def statements_for(database, models, registry) -> int:
    with database.connect() as conn:
        return plan(conn, models=models, registry=registry).statements_sent


def test_it_reads_the_catalog_in_as_many_statements_for_one_table_as_for_all(supabase_db):
    database = supabase_db("secured")
    one = SecurityRegistry()
    one.table(DailyMetric, policies=[authenticated_read("authenticated users read daily metrics")])
    everything = one.copy()
    everything.service_only(*{m._meta.app_label for m in apps.get_models(include_auto_created=True)})
    all_models = list(apps.get_models(include_auto_created=True))
    assert len(all_models) > 25
    assert statements_for(database, [DailyMetric], one) == statements_for(database, all_models, everything)
