"""What a worker's first request would otherwise load: called by gunicorn before a worker serves (config/gunicorn.py).

Django imports the URLconf (and with it every view module, DRF, ReportLab...), reads the translation catalogs
and compiles templates on first use. That is about half a second of the first request of every worker, and
gunicorn replaces workers regularly (``max_requests``): under load each replacement held a worker's queue for
that long (docs/benchmarks.md). With ``preload_app`` this runs once in the master, and every worker forked from
it starts warm; without it, in each worker before it accepts a request. It reads no database.
"""

from __future__ import annotations

from django.conf import settings
from django.template.loader import get_template
from django.urls import get_resolver, reverse
from django.utils import translation

# The public pages most requested (a scan of a certificate's QR code first), and the base they all extend.
TEMPLATES = ("base.html", "certificates/verify_qr.html", "certificates/verify.html", "certificates/rate_limited.html")


def warm_up() -> None:
    get_resolver().url_patterns  # noqa: B018 (imports every urls module and the views they name)
    reverse("certificates:verify")  # builds the resolver's lookup tables of every namespace
    for code, _name in settings.LANGUAGES:
        with translation.override(code):  # loads and caches the language's catalogs
            for name in TEMPLATES:
                get_template(name)
