"""The application's URLs plus one trivial JSON view, the reference for bench/load.py (DESIGN section 9).

Served only under bench/settings.py; the application never loads this module.
"""

from django.http import HttpRequest, JsonResponse
from django.urls import include, path


def trivial(request: HttpRequest) -> JsonResponse:
    """A fixed JSON answer: no database, no template; the cost of Django itself behind gunicorn."""
    return JsonResponse({"ok": True})


urlpatterns = [
    path("bench/trivial/", trivial),
    path("", include("config.urls")),
]
