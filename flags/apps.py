from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class FlagsConfig(AppConfig):
    name = "flags"
    verbose_name = "Feature flags"

    def ready(self) -> None:
        from flags import snapshot
        from flags.models import ClientKey, Experiment, Flag, ScheduledChange

        def changed(sender, **kwargs) -> None:
            snapshot.bump_version()

        # Every write path (admin, import, revert, shell, tasks) must move the
        # version, or processes would keep serving the old flags: hence signals,
        # not calls sprinkled over the callers. The bump is a row update in the
        # same transaction; the local snapshot is dropped on commit.
        for model in (Flag, ScheduledChange, Experiment, ClientKey):
            post_save.connect(
                changed, sender=model, weak=False, dispatch_uid=f"flags.bump.save.{model.__name__}"
            )
            post_delete.connect(
                changed, sender=model, weak=False, dispatch_uid=f"flags.bump.delete.{model.__name__}"
            )
