from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "bizops.audit"
    label = "audit"
    verbose_name = "Business audit"

    def ready(self) -> None:
        from bizops.audit.views import BOARD
        from bizops.core.boards import register_dashboard

        register_dashboard(BOARD)
