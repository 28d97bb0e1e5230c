"""The API under /api/v1/: every app registers its viewsets on ``router`` here."""

from rest_framework.routers import DefaultRouter

router = DefaultRouter()

urlpatterns = [*router.urls]
