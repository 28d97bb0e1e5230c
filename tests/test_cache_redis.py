"""core.cache.RedisCache against the Redis this machine runs (CI has one; skipped where none answers)."""

from __future__ import annotations

import socket
import uuid

import pytest

from core.cache import RedisCache

LOCATION = "redis://127.0.0.1:6379/13"


def _redis_answers() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        return False
    return True


pytestmark = pytest.mark.skipif(not _redis_answers(), reason="needs Redis on 127.0.0.1:6379")


@pytest.fixture
def backend():
    cache = RedisCache(LOCATION, {"KEY_PREFIX": f"test-{uuid.uuid4().hex}"})
    yield cache
    cache.clear()


def test_one_client_object_serves_every_call(backend):
    assert backend._cache.get_client(write=True) is backend._cache.get_client(write=True)
    backend.set("a", {"b": 1})
    assert backend.get("a") == {"b": 1}


def test_incr_and_get_many_counts_atomically_and_reads_values_as_get_many_does(backend):
    backend.set("token", "abc")
    backend.set("number", 7)
    first = backend.incr_and_get_many("counter", 60, ["token", "number", "absent"])
    assert first == (1, {"token": "abc", "number": 7})
    assert backend.incr_and_get_many("counter", 60, []) == (2, {})
    assert backend.get("counter") == 2  # a plain integer, readable through the cache API
    client = backend._cache.get_client(write=True)
    ttl = client.ttl(backend.make_and_validate_key("counter"))
    assert 0 < ttl <= 60  # a new counter expires; the second call did not push its expiry back
