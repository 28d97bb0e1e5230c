from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CertificationsConfig(AppConfig):
    name = "certifications"
    verbose_name = _("Certifications")

    def ready(self) -> None:
        post_migrate.connect(_reinstall_holder_region, sender=self, dispatch_uid="certifications-holder-region")


def _reinstall_holder_region(sender, using: str = "default", **kwargs) -> None:
    """After every migrate: SQLite drops a table's triggers when a migration rebuilds it."""
    from django.db import connections

    from certifications import holder_region

    holder_region.install(connections[using])
