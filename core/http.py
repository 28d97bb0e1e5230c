"""``never_cache`` for the registry's most frequent answers (public verification), with the same headers as
Django's, written directly.

Django's ``add_never_cache_headers`` parses and rebuilds the Cache-Control header twice; on a verification
answered from memory that was a tenth of the view's own time (docs/benchmarks.md). A response that already
has a caching header goes through Django's function, which merges them (tests/test_http_headers.py).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers as merge_never_cache_headers

from core import clock

# What Django's add_never_cache_headers writes on a response without caching headers.
NEVER_CACHE = "max-age=0, no-cache, no-store, must-revalidate, private"


def add_never_cache_headers(response: HttpResponse) -> HttpResponse:
    """Mark ``response`` as never to be cached by browsers and proxies, as Django's function of that name."""
    if "Cache-Control" in response or "Expires" in response:
        merge_never_cache_headers(response)
    else:
        response.headers["Expires"] = clock.now().http_date
        response.headers["Cache-Control"] = NEVER_CACHE
    return response


def never_cache(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Django's ``never_cache`` decorator for a synchronous view, with ``add_never_cache_headers`` above."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return add_never_cache_headers(view(request, *args, **kwargs))

    return wrapper
