"""core.http.never_cache writes what Django's never_cache writes."""

from __future__ import annotations

from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import cache as django_cache
from django.views.decorators.cache import never_cache as django_never_cache

from core import http


def _headers(response: HttpResponse) -> dict[str, str]:
    return {name: value for name, value in response.items() if name in {"Cache-Control", "Expires"}}


def test_a_response_without_caching_headers_gets_djangos_headers(monkeypatch):
    monkeypatch.setattr("time.time", lambda: 1_790_000_000.0)  # one second for both
    ours = http.never_cache(lambda request: HttpResponse("x"))(RequestFactory().get("/"))
    theirs = django_never_cache(lambda request: HttpResponse("x"))(RequestFactory().get("/"))
    assert _headers(ours) == _headers(theirs)
    assert set(_headers(ours)) == {"Cache-Control", "Expires"}
    assert ours["Expires"] == "Mon, 21 Sep 2026 14:13:20 GMT"


def test_existing_caching_headers_are_merged_as_django_merges_them():
    def view(request):
        response = HttpResponse("x")
        response["Cache-Control"] = "public, max-age=300"
        return response

    ours = http.never_cache(view)(RequestFactory().get("/"))
    theirs = view(RequestFactory().get("/"))
    django_cache.add_never_cache_headers(theirs)
    assert ours["Cache-Control"] == theirs["Cache-Control"]
    assert "public" not in ours["Cache-Control"] and "no-store" in ours["Cache-Control"]
