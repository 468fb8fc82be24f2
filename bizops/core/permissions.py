"""Which group may touch which models.

Each group gets exactly the model permissions of its area and nothing else;
every group may read reports and the daily metrics (the metrics dashboard).
Ops runs the data pipeline, so it holds the ETL tables; Finance keeps the FX
rates the metrics convert spend with (Ops may fix a missing one too). New
models in an area are picked up after each ``migrate``
(``sync_group_permissions`` runs on ``post_migrate``).
"""

from django.contrib.auth.models import Group, Permission
from django.db.models import Q

# group -> (app labels whose every model it manages, extra "app.codename" perms)
GROUP_AREAS: dict[str, tuple[list[str], list[str]]] = {
    "Team": (
        [],
        [
            "bizops.add_backlogticket",
            "bizops.change_backlogticket",
            "bizops.delete_backlogticket",
            "bizops.view_backlogticket",
            "bizops.move_backlogticket",
        ],
    ),
    "Growth": (["flags"], []),
    "Finance": (
        ["finance"],
        ["etl.add_fxrate", "etl.change_fxrate", "etl.delete_fxrate", "etl.view_fxrate"],
    ),
    "Ops": (["health", "django_celery_beat", "etl", "automations", "events"], []),
}
SHARED_PERMISSIONS = ["bizops.view_report", "etl.view_dailymetric"]


def permissions_for(group_name: str):
    apps, extra = GROUP_AREAS[group_name]
    query = Q(content_type__app_label__in=apps)
    for dotted in [*extra, *SHARED_PERMISSIONS]:
        app_label, codename = dotted.split(".")
        query |= Q(content_type__app_label=app_label, codename=codename)
    return Permission.objects.filter(query)


def sync_group_permissions(sender=None, **kwargs) -> None:
    for group in Group.objects.filter(name__in=GROUP_AREAS):
        group.permissions.set(permissions_for(group.name))
