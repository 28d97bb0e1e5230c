from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GeoIndicationsConfig(AppConfig):
    name = "geo_indications"
    verbose_name = _("Geographic indications")
