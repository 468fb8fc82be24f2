from django.apps import AppConfig


class AutomationsConfig(AppConfig):
    name = "bizops.automations"
    label = "automations"
    verbose_name = "Automations (webhooks)"

    def ready(self) -> None:
        from bizops.automations.tasks import deliver_after_commit
        from bizops.events.outbox import on_commit_of_events

        # Each commit that recorded events queues their dispatch (the sweep is the safety net).
        on_commit_of_events(deliver_after_commit)
