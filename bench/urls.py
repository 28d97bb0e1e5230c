"""The application's URLs plus one trivial JSON view, the reference for bench/load.py (DESIGN section 9).

Served only under bench/settings.py; the application never loads this module. The application's patterns
are listed here as they are in config/urls.py, not included, so every application URL resolves as in
production (an include would add a level that only the benchmark pays).
"""

from django.http import HttpRequest, JsonResponse
from django.urls import path

import config.urls
from core import ratelimit


def trivial(request: HttpRequest) -> JsonResponse:
    """A fixed JSON answer: no database, no template; the cost of Django itself behind gunicorn."""
    return JsonResponse({"ok": True})


def limited(request: HttpRequest) -> JsonResponse:
    """The trivial answer behind the verification rate limit (one atomic counter in the shared cache, plus the
    read of two cache tokens, as a verification does): the part of a verification's cost that is the limit's
    round trip. Printed for information; the budget compares with ``trivial``."""
    limit, window = ratelimit.verify_rate()
    ratelimit.hit_and_read("bench", ratelimit.client_address(request), limit=limit, window=window, keys=["a", "b"])
    return JsonResponse({"ok": True})


urlpatterns = [
    path("bench/trivial/", trivial),
    path("bench/limited/", limited),
    *config.urls.urlpatterns,
]
