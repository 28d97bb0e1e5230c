"""Counted figures cached under the registry version: computed once per change of the registers, never stale.

The progress counts scan the registers (at 1M certifications, a few hundred milliseconds per dashboard on
PostgreSQL: docs/benchmarks.md). Their inputs change rarely compared with how often the leadership reads
them, so ``registry_cached`` keeps each result in the cache under the current ``RegistryVersion``, which
database triggers change in the same transaction as any write to a counted table (migration
targets/0003): a queryset ``update()``, a bulk import, the admin and raw SQL included, where signals would
miss some. The version is read first, then the rows: a reader that sees the new version sees the new rows,
and one that sees the old version and new rows only stores newer figures under an older key. A version
that a rolled-back transaction wrote is never written again (a sequence on PostgreSQL, a random number on
SQLite), so nothing computed inside that transaction can be mistaken for committed figures.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.core.cache import cache

from targets.models import RegistryVersion

# A safety net only (the version is what makes a figure current): bounds the space old versions take.
TIMEOUT = 24 * 60 * 60


def registry_version() -> int | None:
    """The current version; None when its row is missing (e.g. after ``flush``): nothing is cached then."""
    return RegistryVersion.objects.filter(pk=1).values_list("version", flat=True).first()


def _canonical(value: Any) -> Any:
    """A repr-stable form of the arguments (metric/day pairs, region codes): sets sorted, sequences as tuples."""
    if isinstance(value, set | frozenset):
        return ("set", tuple(sorted((_canonical(v) for v in value), key=repr)))
    if isinstance(value, list | tuple):
        return tuple(_canonical(v) for v in value)
    if isinstance(value, dict):  # keyword arguments
        return ("dict", tuple(sorted(((k, _canonical(v)) for k, v in value.items()), key=repr)))
    return value


def registry_cached[F: Callable[..., Any]](fn: F) -> F:
    """Cache ``fn``'s result under (its name, its arguments, the registry version)."""
    name = f"{fn.__module__}.{fn.__qualname__}"

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        # An iterator can be read once: read it here, for the key and for ``fn``.
        args = tuple(list(a) if isinstance(a, Iterator) else a for a in args)
        version = registry_version() if settings.PROGRESS_CACHE else None
        if version is None:
            return fn(*args, **kwargs)
        arguments = repr(_canonical((args, kwargs)))
        key = f"registry:{name}:{version}:{hashlib.sha256(arguments.encode()).hexdigest()}"
        found = cache.get(key)
        if found is not None:
            return found
        result = fn(*args, **kwargs)
        cache.set(key, result, timeout=TIMEOUT)
        return result

    return wrapper  # type: ignore[return-value]
