from django.apps import AppConfig


class DemoConfig(AppConfig):
    """``seed_demo``: seeds every area at once, so it sits above them all."""

    name = "bizops.demo"
    label = "demo"
    verbose_name = "Demo"
