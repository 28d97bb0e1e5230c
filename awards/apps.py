from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AwardsConfig(AppConfig):
    name = "awards"
    verbose_name = _("Awards")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from awards import checks  # noqa: F401  (registers the system checks)
        from awards.certificates import lookup
        from awards.certificates.models import Certificate, SigningKey

        # Public verification caches certificates and keys; any change makes the cached copies void.
        for signal in (post_save, post_delete):
            signal.connect(lookup.certificate_changed, sender=Certificate, dispatch_uid=f"verify-cert-{signal}")
            signal.connect(lookup.key_changed, sender=SigningKey, dispatch_uid=f"verify-key-{signal}")
