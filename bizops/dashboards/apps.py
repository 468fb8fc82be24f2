from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "bizops.dashboards"
    label = "dashboards"
    verbose_name = "Dashboards"

    def ready(self) -> None:
        from bizops.core.boards import register_dashboard
        from bizops.dashboards import DASHBOARDS

        for board in DASHBOARDS:
            register_dashboard(board)
