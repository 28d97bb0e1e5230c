"""A fixed-window counter per client in Django's cache, shared by every worker that shares the cache.

``cache.add`` creates the window's counter only if it is missing (atomic in Redis, Memcached and
the local-memory cache) and ``cache.incr`` counts atomically, so concurrent requests can never
both be the fifth.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """'5/hour' -> (5, 3600): the same notation as the API's throttle rates."""
    number, period = rate.split("/")
    return int(number), PERIODS[period.strip()[0]]


def objection_rate() -> tuple[int, int]:
    """Objections per client, one setting for the pages and the API (OBJECTION_THROTTLE_RATE)."""
    rates = getattr(settings, "REST_FRAMEWORK", {}).get("DEFAULT_THROTTLE_RATES", {})
    return parse_rate(rates.get("objections") or "5/hour")


def client_address(request: HttpRequest) -> str:
    """The address a request comes from, as the last trusted proxy saw it.

    With ``ACCOUNTS_TRUSTED_PROXY_COUNT`` = N > 0 (env TRUSTED_PROXY_COUNT), each of N proxies appends
    the address it received the request from to X-Forwarded-For, so the N-th entry from the right was
    written by our outermost proxy; entries further left come from the client and are ignored.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    count = settings.ACCOUNTS_TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(forwarded) < count:
        return remote
    try:
        return str(ipaddress.ip_address(forwarded[-count]))
    except ValueError:
        return remote


def account_email_rate() -> tuple[int, int]:
    """Registration, link-resend and password-reset emails per client (ACCOUNT_EMAIL_RATE)."""
    return parse_rate(settings.ACCOUNT_EMAIL_RATE)


def hit(scope: str, ident: str, *, limit: int, window: int) -> bool:
    """Count one event for ``ident``; False when it is over ``limit`` in the current window."""
    key = f"ratelimit:{scope}:{ident}"
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # the window expired between add() and incr()
        cache.add(key, 1, timeout=window)
        count = 1
    return count <= limit
