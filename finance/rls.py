"""Row level security of the finance tables: service only."""

from bizops.core.declaration import rls

rls.service_only("finance")
