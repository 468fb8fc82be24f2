from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "bizops.events"
    label = "events"
    verbose_name = "Events"
