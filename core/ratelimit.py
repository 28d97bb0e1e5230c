"""A fixed-window counter per client in Django's cache, shared by every worker that shares the cache.

Windows are aligned to the clock (a 60-second window is a calendar minute) and the window's number is
part of the key, so every worker counts into the same key and a new window starts from zero. With Redis
(core.cache.RedisCache) one pipelined INCR (atomic; it creates a missing key at 1) and EXPIRE count the
event in one round trip, which can also carry the request's cache reads (``hit_and_read``);
with other backends ``cache.add`` creates the window's counter only if it is missing and ``cache.incr``
counts atomically. Concurrent requests in different workers can never both be the fifth: with Redis the
limit holds exactly across processes (a DRF cache throttle, which reads, appends and writes back a list,
does not; FIELD_NOTES). With the local-memory cache (development, tests) it is exact per process.
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches
from django.http import HttpRequest

from core.cache import RedisCache

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


def verify_rate() -> tuple[int, int]:
    """Public verification requests per client, the pages and the API together (VERIFY_RATE)."""
    return parse_rate(settings.VERIFY_RATE)


def now() -> float:
    """The clock the windows follow (a function so that tests can move it)."""
    return time.time()


def retry_after(window: int) -> int:
    """Seconds until the current window ends: what a refused client is told to wait (Retry-After)."""
    return max(1, window - int(now()) % window)


def _count_and_read(scope: str, ident: str, window: int, keys: Sequence[str]) -> tuple[int, dict[str, Any]]:
    key = f"ratelimit:{scope}:{ident}:{int(now()) // window}"
    backend = caches[DEFAULT_CACHE_ALIAS]
    if isinstance(backend, RedisCache):
        # The key outlives its window by a little at most: the window's number keeps windows apart.
        return backend.incr_and_get_many(key, window + 1, keys)
    cache.add(key, 0, timeout=window + 1)
    try:
        counted = cache.incr(key)
    except ValueError:  # evicted between add() and incr(): start it again
        counted = 1 if cache.add(key, 1, timeout=window + 1) else cache.incr(key)
    return counted, (cache.get_many(keys) if keys else {})


def count(scope: str, ident: str, *, window: int) -> int:
    """Count one event for ``ident`` in the current window and return the window's count so far."""
    return _count_and_read(scope, ident, window, ())[0]


def hit_and_read(
    scope: str, ident: str, *, limit: int, window: int, keys: Sequence[str]
) -> tuple[bool, dict[str, Any]]:
    """``hit``, and the cache values of ``keys`` (as ``cache.get_many``), in one round trip with Redis."""
    counted, values = _count_and_read(scope, ident, window, keys)
    return counted <= limit, values


def hit(scope: str, ident: str, *, limit: int, window: int) -> bool:
    """Count one event for ``ident``; False when it is over ``limit`` in the current window."""
    return count(scope, ident, window=window) <= limit
