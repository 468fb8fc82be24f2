"""Row level security of the health tables: job runs and checks are for the service role only."""

from bizops.core.declaration import rls

rls.service_only("health")
