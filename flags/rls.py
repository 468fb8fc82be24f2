"""Row level security of the feature flag and experiment tables: service only.

Flags reach browsers through Django's own SDK endpoint, never through the API roles.
"""

from bizops.core.declaration import rls

rls.service_only("flags")
