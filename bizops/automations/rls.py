"""Row level security of the automations tables and of the event outbox they deliver.

Endpoints hold signing secrets; deliveries carry payloads and receivers' answers;
the outbox (``bizops.events``) holds every event's payload. Only the service role
reads or writes them. The outbox sits on the machinery floor, which may not import
the ground's declaration registry, so its tables are declared here, by the app
that reads them.
"""

from bizops.core.declaration import rls

rls.service_only("automations")
rls.service_only("events")
