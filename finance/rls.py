"""Row level security of the finance tables: service only."""

from bizops.supabase.declaration import rls

rls.service_only("finance")
