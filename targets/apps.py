from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TargetsConfig(AppConfig):
    name = "targets"
    verbose_name = _("Targets")

    def ready(self) -> None:
        # targets is the rightmost app: it may import every register's importer (see core.importing).
        from targets.importers import register_all

        register_all()
