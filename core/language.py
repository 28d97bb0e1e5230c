"""The language switch of every page (base.html): Django's ``set_language``, guarded against cross-site
requests by the headers browsers add to them, instead of by a CSRF token.

A token in the switch would give every visitor a CSRF cookie, and every first visit a new random secret, on
pages that otherwise set no cookie: the registers, and the QR page of a certificate, the registry's most
frequent page (docs/benchmarks.md, "Verification under load"). Choosing a language needs no secret; what must
be refused is a request that another site makes a visitor's browser send, and browsers say which those are:

- an ``Origin`` listed in CSRF_TRUSTED_ORIGINS is allowed;
- ``Sec-Fetch-Site`` (sent by every current browser) allows ``same-origin`` and ``none`` (a typed or
  bookmarked request), and refuses ``same-site`` and ``cross-site``;
- without it, ``Origin`` (sent with every cross-site POST by browsers since about 2020) must be this site's
  own origin;
- a request with neither header was not sent by a browser for another site (curl, tests): allowed.

This is the check of Go's ``http.CrossOriginProtection`` and the Fetch Metadata defence of OWASP's CSRF
cheat sheet. Every other form keeps Django's CSRF token. Decision record: docs/decisions/0004.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import DisallowedHost, PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views import i18n
from django.views.decorators.csrf import csrf_exempt

SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}


def is_cross_site(request: HttpRequest) -> bool:
    """Whether the browser says that another site sent this request (the rules in the module's docstring)."""
    origin = request.headers.get("Origin")
    if origin is not None and origin in settings.CSRF_TRUSTED_ORIGINS:
        return False
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        return fetch_site not in {"same-origin", "none"}
    if origin is None:
        return False
    try:
        own = f"{request.scheme}://{request.get_host()}"
    except DisallowedHost:
        return True
    return origin != own


@csrf_exempt  # guarded by is_cross_site instead (module docstring)
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's ``set_language`` (POST ``language`` and ``next``), refused with 403 when sent by another site."""
    if request.method not in SAFE_METHODS and is_cross_site(request):
        raise PermissionDenied(_("The language can only be changed from the registry's own pages."))
    return i18n.set_language(request)
