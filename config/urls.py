from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from core import language

urlpatterns = [
    # First: public verification is the most frequent request (the API's verify/ comes first in config.api),
    # and Django tries the patterns in order; no pattern below matches api/v1/, verify/ or v/.
    path("api/v1/", include("config.api")),
    path("", include("awards.urls_certificates")),
    path("admin/", admin.site.urls),
    path("i18n/setlang/", language.set_language, name="set_language"),
    path("import/", include("targets.urls_import")),
    path("", include("core.urls")),
    path("", include("geo_indications.urls")),
    path("", include("brands.urls")),
    path("", include("certifications.urls")),
    path("progress/", include("targets.urls_reports")),
    path("", include("targets.urls")),
    path("accounts/", include("core.urls_accounts")),
    path("portal/", include("awards.urls_portal")),
    path("review/", include("awards.urls_review")),
    path("notices/", include("awards.urls_notices")),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
