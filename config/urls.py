from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from awards import views_certificates
from awards.api_certificates import VerifyView
from core import language

urlpatterns = [
    # First, and at the top level: the QR page and the verification API, the most frequent requests. Django
    # tries the patterns in order, and an include adds a level to every match (about 18 us, docs/benchmarks.md);
    # no pattern below matches v/ or api/v1/verify/.
    path("v/<str:number>", views_certificates.verify_qr, name="verify-qr"),
    path("api/v1/verify/", VerifyView.as_view(), name="api-verify"),
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
