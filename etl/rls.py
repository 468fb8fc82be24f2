"""Row level security of the ETL tables: service only, except the daily metrics signed-in users read."""

from bizops.core.declaration import authenticated_read, rls
from etl.models import DailyMetric

rls.service_only("etl")
rls.table(DailyMetric, policies=[authenticated_read("authenticated users read daily metrics")])
