from django.apps import AppConfig
from django.db.models.signals import post_migrate


class BizopsConfig(AppConfig):
    name = "bizops.core"
    # The label the tables, permissions and migration history were made with.
    label = "bizops"
    verbose_name = "Backlog and reports"

    def ready(self) -> None:
        from bizops.core.declaration import autodiscover
        from bizops.core.permissions import sync_group_permissions

        # Each app's rls.py declares its tables' row level security.
        autodiscover()

        # Later apps add models (and so permissions) after the groups exist;
        # keep each group's permissions complete after every migrate.
        post_migrate.connect(sync_group_permissions, dispatch_uid="bizops.sync_group_permissions")

        # Every process that sets Django up passes here (manage.py, gunicorn,
        # the Celery worker and beat): each app's settings checks run now.
        from bizops.checks import refuse_bad_settings

        refuse_bad_settings()
