"""The current second as the public verification answers show it, worked out once per second and process.

A verification answered from memory spent a noticeable part of its own time (docs/benchmarks.md) formatting
the clock three ways: the local day (which decides expiry, and keys the remembered answers), the local time
shown on the QR page, and the HTTP date of the Expires header. All three depend only on the current second,
so the first request of a second works them out and the others reuse them. The site's time zone
(TIME_ZONE); no time zone is activated per request anywhere in the registry.
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime
from typing import NamedTuple

from django.utils import timezone
from django.utils.http import http_date


class Second(NamedTuple):
    epoch: int
    local_date: date
    local_text: str  # "2026-11-28 12:34:56"
    http_date: str  # "Sat, 28 Nov 2026 04:34:56 GMT"


_current: Second | None = None


def now() -> Second:
    """The current second (rebinding a module global is atomic: threads may only both work it out)."""
    global _current
    epoch = int(time.time())
    current = _current
    if current is None or current.epoch != epoch:
        local = timezone.localtime(datetime.fromtimestamp(epoch, UTC))
        current = _current = Second(epoch, local.date(), local.strftime("%Y-%m-%d %H:%M:%S"), http_date(epoch))
    return current
