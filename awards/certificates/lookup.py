"""The reads of public verification, cached, and never stale (DESIGN section 9: "a status change is visible
at once").

Verification is the registry's most frequent request, and most of it reads the same few rows again and
again: the certificate with its programme, and the published signing keys. Both are kept in Django's
cache (Redis in production, shared by every worker) next to a small token each; a process also keeps the
values it has read in memory, by token. A verification fetches the two tokens with one ``get_many`` and,
when this process has seen those tokens before, nothing else: one small cache round trip instead of two
database queries.

Staleness is ruled out by the tokens (generations) instead of a bare delete. Each cached value carries the
token that was current when it was read from the database; any save or delete of a certificate (or of any
signing key) replaces the token once its transaction commits (``forget_certificate``, ``forget_keys``,
connected to the models' signals in ``AwardsConfig.ready``). A reader that loaded the row just before a
commit and writes it to the cache just after carries the old token, so the next reader sees the mismatch
and goes back to the database: no window in which an outdated answer can stick. A lost token (eviction)
is replaced by a fresh one, which also invalidates. Queryset ``update()`` calls send no signal: code that
changes certificates or keys that way must call the ``forget_*`` functions itself.

All of this needs a cache that every process serving the site shares (Redis): a token renewed in one
worker's local memory would leave the other workers' copies standing. ``VERIFY_CACHE`` (on with REDIS_URL,
and in development's single process) says so; without it every check reads the database.

The effective status (expired, a suspension's end) depends on the day and is computed on every request
from the cached row, never cached. What changes without touching a certificate (a programme's name) shows
once the tokens expire, within ``TOKEN_TIMEOUT``.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Mapping
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from awards.certificates.models import Certificate, SigningKey
from core.memo import Memo

# A safety net only: correctness comes from the tokens; this bounds what a changed programme name or an
# edit through a path without signals can leave behind. A token outlives its values; an expired token is
# replaced by a fresh one, which only sends the next reader to the database.
TIMEOUT = 60 * 60
TOKEN_TIMEOUT = 2 * TIMEOUT
PREFIX = "verify:v2"  # v2: tokens are integers (v1's were strings)
KEYS = f"{PREFIX}:keys"
KEYS_TOKEN = f"{PREFIX}:keys:token"
_MISSING = "missing"  # cached for an unknown number, so guessing numbers does not reach the database
# Values this process has already read, by (key, token): with the token still current, a verification
# fetches only the tokens, not the pickled rows. Oldest first out.
_local = Memo(4096)
# The form of a certificate number (awards.certificates.verification.NUMBER_RE, which imports this module).
WELL_FORMED = re.compile(r"\A[A-Z0-9]{2,8}-\d{4}-\d{6}\Z")


def _record_key(number: str) -> str:
    return f"{PREFIX}:cert:{number}"


def _token_key(number: str) -> str:
    return f"{PREFIX}:cert:{number}:token"


def new_token() -> int:
    """A fresh token: a random integer, which Django's Redis backend stores and reads back as a number
    (a string would be pickled, and read back through a failed int() and an unpickling, on every check)."""
    return secrets.randbits(62)


def is_token(value: Any) -> bool:
    """Whether ``value`` (read from the cache under a token key) is a token, not a missing value."""
    return type(value) is int


def _current_token(token_key: str, seen: Any) -> int:
    """The token under which a value read now from the database may be cached."""
    if is_token(seen):
        return seen
    fresh = new_token()
    cache.add(token_key, fresh, timeout=TOKEN_TIMEOUT)
    current = cache.get(token_key)
    return current if is_token(current) else fresh


def _read(key: str, token_key: str, token: Any, load: Callable[[], Any]) -> Any:
    """The value cached under ``key`` if it was cached under the current ``token``, else ``load()``."""
    if is_token(token):
        if (key, token) in _local:
            return _local[key, token]
        entry = cache.get(key)
        if isinstance(entry, tuple) and entry[0] == token:
            _local.remember((key, token), entry[1])
            return entry[1]
    token = _current_token(token_key, token)
    value = load()
    cache.set(key, (token, value), timeout=TIMEOUT)
    _local.remember((key, token), value)
    return value


def _load_certificate(number: str) -> Certificate | str:
    cert = Certificate.objects.select_related("programme").filter(number=number).first()
    return cert if cert is not None else _MISSING


def _load_keys() -> dict[str, SigningKey]:
    return {key.key_id: key for key in SigningKey.objects.all()}


def has_tokens(number: str, tokens: Mapping[str, Any] | None) -> bool:
    """Whether ``tokens`` (read for ``token_keys(number)``) holds both tokens: only then can an answer be
    remembered under them (the API's answers, the QR page's rendering)."""
    return bool(tokens) and all(is_token(tokens.get(key)) for key in token_keys(number))


def token_keys(number: str) -> list[str]:
    """The cache keys ``lookup`` reads first, for a caller that fetches them together with other work
    (the verification endpoints read them in the rate limit's round trip, core.ratelimit.hit_and_read)."""
    return [_token_key(number), KEYS_TOKEN]


def lookup(
    number: str, key_id: str | None = None, *, tokens: Mapping[str, Any] | None = None
) -> tuple[Certificate | None, SigningKey | None]:
    """The certificate with ``number`` (with its programme) and, if ``key_id`` is given, the published key
    with that id; either is None when there is none. ``tokens``: the values of ``token_keys(number)`` if
    the caller has read them already. When this process has read both before under their current tokens,
    nothing else is fetched. A number that is not of the certificates' form has no record and is never
    looked up (nor made part of a cache key)."""
    well_formed = bool(WELL_FORMED.match(number))
    if settings.VERIFY_CACHE and tokens is None:
        wanted = [_token_key(number)] if well_formed else []
        wanted += [KEYS_TOKEN] if key_id is not None else []
        tokens = cache.get_many(wanted) if wanted else {}
    cert = _certificate(number, tokens) if well_formed else None
    key = _key(key_id, tokens) if key_id is not None else None
    return cert, key


def _certificate(number: str, tokens: Mapping[str, Any] | None) -> Certificate | None:
    if settings.VERIFY_CACHE:
        token = tokens.get(_token_key(number))
        cert = _read(_record_key(number), _token_key(number), token, lambda: _load_certificate(number))
    else:  # the cache is not shared by every process: read the database
        cert = _load_certificate(number)
    return None if isinstance(cert, str) else cert


def _key(key_id: str, tokens: Mapping[str, Any] | None) -> SigningKey | None:
    if not settings.VERIFY_CACHE:
        return SigningKey.objects.filter(key_id=key_id).first()
    return _read(KEYS, KEYS_TOKEN, tokens.get(KEYS_TOKEN), _load_keys).get(key_id)


def _renew(token_key: str) -> None:
    """Replace the token now and again once the current transaction commits (at once outside one)."""
    cache.set(token_key, new_token(), timeout=TOKEN_TIMEOUT)
    transaction.on_commit(lambda: cache.set(token_key, new_token(), timeout=TOKEN_TIMEOUT), robust=True)


def forget_certificate(number: str) -> None:
    """The certificate ``number`` changed (or was created or deleted): no cached copy counts any more."""
    _renew(_token_key(number))


def forget_keys() -> None:
    """A signing key changed, was published or was deleted: the cached key list no longer counts."""
    _renew(KEYS_TOKEN)


def certificate_changed(sender: type, instance: Certificate, **kwargs: Any) -> None:
    """post_save / post_delete receiver for Certificate."""
    if instance.number:
        forget_certificate(instance.number)


def key_changed(sender: type, instance: SigningKey, **kwargs: Any) -> None:
    """post_save / post_delete receiver for SigningKey."""
    forget_keys()
