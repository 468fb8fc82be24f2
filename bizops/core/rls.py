"""Row level security of the core app's tables, and of Django's own and third-party apps' tables.

Django's and the libraries' tables are read and written by Django alone, which
connects as a role that bypasses row level security: none of them is for the
API roles.
"""

from bizops.core.declaration import authenticated_read, rls
from bizops.core.models import Report

rls.service_only("auth", "contenttypes", "sessions", "admin", "django_celery_beat")
# Login attempts and lockouts (django-axes) hold usernames and addresses.
rls.service_only("axes")
# Backlog tickets (and their change history) are the team's: service only.
rls.service_only("bizops")
# Reports are the one table of this app signed-in users may read.
rls.table(Report, policies=[authenticated_read("authenticated users read reports")])
# Tables no model owns: the migration history, and the database cache (made by
# `createcachetable` only when REDIS_URL is unset). Secured wherever they exist.
rls.table("django_migrations", optional=True)
rls.table("bizops_cache", optional=True)
