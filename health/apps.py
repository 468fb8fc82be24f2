from django.apps import AppConfig


class HealthConfig(AppConfig):
    name = "health"
    verbose_name = "Health"

    def ready(self) -> None:
        from health.registry import autodiscover

        # Each app's health.py registers its jobs and checks (as admin.py does).
        autodiscover()
