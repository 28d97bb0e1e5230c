"""Per-process memory of computed answers whose keys say when they are stale (see awards.certificates.lookup)."""

from __future__ import annotations

import contextlib
from typing import Any


class Memo(dict):
    """A dict that holds at most ``size`` entries, dropping the oldest first.

    Only for values that can never go stale under their key (the key carries the cache tokens or the
    content they depend on): nothing here expires by time. Safe with threads as far as a dict is: a lost
    eviction or a value computed twice does no harm."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def remember(self, key: Any, value: Any) -> Any:
        if len(self) >= self.size:
            with contextlib.suppress(StopIteration, KeyError, RuntimeError):
                del self[next(iter(self))]
        self[key] = value
        return value
