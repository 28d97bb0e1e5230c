from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    # First: public verification is the most frequent request, and Django tries the patterns in order
    # (its paths, verify/ and v/, are not matched by any pattern below).
    path("", include("awards.urls_certificates")),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("import/", include("targets.urls_import")),
    path("api/v1/", include("config.api")),
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
