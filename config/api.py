"""The API under /api/v1/: every app registers its viewsets on ``router`` here.

Also the OpenAPI 3 schema (``api-schema``) and its documentation page (``api-docs``), which
serves Swagger UI from the drf-spectacular-sidecar static files: no CDN, works offline.
"""

from django.conf import settings
from django.urls import path
from django.utils.csp import CSP
from django.views.decorators.csp import csp_override
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from awards.api import ApplicationViewSet, AssignmentViewSet, NoticeViewSet, ObjectionViewSet
from awards.api_certificate_desk import CertificateDeskViewSet
from awards.api_certificates import VerifyFileView
from brands.api import BrandViewSet, NiceClassViewSet, TrademarkViewSet
from certifications.api import CertificationViewSet, DemonstrationZoneViewSet
from core.api_registers import EnterpriseViewSet, RegionViewSet
from geo_indications.api import GIProductViewSet
from targets.api import PlanViewSet, TargetViewSet

router = DefaultRouter()
router.register("enterprises", EnterpriseViewSet, basename="enterprise")
router.register("regions", RegionViewSet, basename="region")
router.register("nice-classes", NiceClassViewSet, basename="nice-class")
router.register("gi-products", GIProductViewSet, basename="gi-product")
router.register("brands", BrandViewSet, basename="brand")
router.register("trademarks", TrademarkViewSet, basename="trademark")
router.register("certifications", CertificationViewSet, basename="certification")
router.register("zones", DemonstrationZoneViewSet, basename="zone")
router.register("plans", PlanViewSet, basename="plan")
router.register("targets", TargetViewSet, basename="target")
router.register("applications", ApplicationViewSet, basename="application")
router.register("assignments", AssignmentViewSet, basename="assignment")
router.register("notices", NoticeViewSet, basename="notice")
router.register("objections", ObjectionViewSet, basename="objection")
router.register("award-certificates", CertificateDeskViewSet, basename="award-certificate")

# The only exception to the site's Content Security Policy (settings.SECURE_CSP): Swagger UI ships an inline
# <style> and sets style attributes as it draws. Its start-up script is served as a file by the split view
# (``?script``), so scripts stay as strict as everywhere else.
SWAGGER_UI_CSP = {**settings.SECURE_CSP, "style-src": [CSP.SELF, CSP.UNSAFE_INLINE]}
api_docs_view = csp_override(SWAGGER_UI_CSP)(SpectacularSwaggerSplitView.as_view(url_name="api-schema"))

urlpatterns = [
    # verify/ itself is listed at the top of config/urls.py (the most frequent request).
    path("verify/file/", VerifyFileView.as_view(), name="api-verify-file"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", api_docs_view, name="api-docs"),
    *router.urls,
]
