from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class TargetsConfig(AppConfig):
    name = "targets"
    verbose_name = _("Targets")

    def ready(self) -> None:
        # targets is the rightmost app: it may import every register's importer (see core.importing).
        from targets.importers import register_all

        register_all()
        post_migrate.connect(_reinstall_registry_triggers, sender=self, dispatch_uid="targets-registry-triggers")


def _reinstall_registry_triggers(sender, using: str = "default", **kwargs) -> None:
    """After every migrate: SQLite drops a table's triggers when a migration rebuilds it."""
    from django.db import connections

    from targets import registry_triggers

    registry_triggers.install(connections[using])
