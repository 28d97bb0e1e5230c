"""core.cache.RedisCache against the Redis this machine runs (CI has one; skipped where none answers)."""

from __future__ import annotations

import socket
import uuid

import pytest
from redis.exceptions import ResponseError

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


def test_round_trip_reads_every_reply_before_raising_an_error_reply(backend):
    backend.set("text", "not a number")
    key = backend.make_key("text")
    other = backend.make_key("other")
    with pytest.raises(ResponseError):
        # INCR of a pickled string is an error reply; the SET after it still runs and its reply is read.
        backend._cache.round_trip([("INCR", key), ("SET", other, "1")])
    assert backend._cache.get_client().get(other) == b"1"
    # The connection went back to the pool in step: the next call reads its own replies, not stale ones.
    assert backend.incr_and_get_many("counter", 60, []) == (1, {})


def test_round_trip_returns_its_connection_to_the_pool(backend):
    pool = backend._cache._get_connection_pool(write=True)
    backend.incr_and_get_many("counter", 60, ["a"])
    idle = len(pool._available_connections)
    for _ in range(5):
        backend.incr_and_get_many("counter", 60, ["a"])
    assert len(pool._available_connections) == idle >= 1
    assert not pool._in_use_connections


def test_round_trip_replaces_a_connection_the_server_closed(backend):
    backend.incr_and_get_many("counter", 60, [])
    client = backend._cache.get_client(write=True)
    pool = backend._cache._get_connection_pool(write=True)
    pooled = {conn._sock.getsockname()[1] for conn in pool._available_connections if conn._sock}
    client.execute_command("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes")  # as a Redis restart would
    assert pooled
    assert backend.incr_and_get_many("counter", 60, []) == (2, {})


def test_round_trip_closes_a_connection_left_mid_reply(backend, monkeypatch):
    pool = backend._cache._get_connection_pool(write=True)
    backend.incr_and_get_many("counter", 60, [])
    connection = pool._available_connections[-1]
    calls = []

    def failing_read(*args, **kwargs):
        calls.append(1)
        raise KeyboardInterrupt  # anything but a connection error, after the commands were sent

    monkeypatch.setattr(connection, "read_response", failing_read)
    with pytest.raises(KeyboardInterrupt):
        backend.incr_and_get_many("counter", 60, ["a"])
    assert calls == [1]
    assert connection._sock is None  # closed, so its unread replies can never answer a later call
    monkeypatch.undo()
    assert backend.incr_and_get_many("counter", 60, [])[0] == 3
