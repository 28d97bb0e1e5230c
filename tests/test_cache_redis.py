"""core.cache.RedisCache against the Redis this machine runs (CI has one; skipped where none answers)."""

from __future__ import annotations

import socket
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

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


def test_verification_tokens_are_stored_as_plain_numbers(backend):
    """awards.certificates.lookup's tokens are read on every verification: stored as a number, they are read
    back by int() alone, never unpickled."""
    from awards.certificates import lookup

    token = lookup.new_token()
    backend.set("token", token)
    raw = backend._cache.get_client().get(backend.make_key("token"))
    assert raw == str(token).encode()
    assert backend.incr_and_get_many("counter", 60, ["token"]) == (1, {"token": token})
    assert lookup.is_token(token) and not lookup.is_token(str(token)) and not lookup.is_token(None)


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


def _link_port(backend) -> int:
    return backend._cache._link().sock.getsockname()[1]


def test_round_trip_keeps_one_connection_per_process_outside_the_pool(backend):
    backend.incr_and_get_many("counter", 60, ["a"])
    port = _link_port(backend)
    pool = backend._cache._get_connection_pool(write=True)
    for _ in range(5):
        backend.incr_and_get_many("counter", 60, ["a"])
    assert _link_port(backend) == port
    assert not pool._in_use_connections  # the link is not a pooled connection held out of the pool


def test_round_trip_replaces_a_connection_the_server_closed(backend):
    backend.incr_and_get_many("counter", 60, [])
    port = _link_port(backend)
    client = backend._cache.get_client(write=True)
    client.execute_command("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes")  # as a Redis restart would
    assert backend.incr_and_get_many("counter", 60, []) == (2, {})  # counted once, on a new connection
    assert _link_port(backend) != port


def test_round_trip_does_not_resend_after_a_timeout(backend, monkeypatch):
    """A timeout may come after the server ran the commands: sending them again could count twice."""
    link = backend._cache._link()
    sends = []

    def timing_out(*args):
        sends.append(1)
        raise TimeoutError("timed out")

    monkeypatch.setattr(link, "sock", _Socket(link.sock, recv_into=timing_out))
    with pytest.raises(RedisTimeoutError):
        backend.incr_and_get_many("counter", 60, [])
    assert sends == [1]
    assert link.sock is None  # closed: a late reply can never answer a later call
    assert backend.incr_and_get_many("counter", 60, [])[0] == 2  # the first INCR did run


def test_round_trip_closes_a_connection_left_mid_reply(backend, monkeypatch):
    link = backend._cache._link()
    backend.incr_and_get_many("counter", 60, [])
    calls = []

    def interrupted(*args):
        calls.append(1)
        raise KeyboardInterrupt  # anything but a connection error, after the commands were sent

    monkeypatch.setattr(link, "sock", _Socket(link.sock, recv_into=interrupted))
    with pytest.raises(KeyboardInterrupt):
        backend.incr_and_get_many("counter", 60, ["a"])
    assert calls == [1]
    assert link.sock is None and link.connection._sock is None
    assert backend.incr_and_get_many("counter", 60, [])[0] == 3
    assert backend._cache._link() is not link


FORK_SCRIPT = """
import os, sys, uuid
from django.conf import settings
settings.configure()
from core.cache import RedisCache
backend = RedisCache(sys.argv[1], {"KEY_PREFIX": f"test-{uuid.uuid4().hex}"})
port = lambda: backend._cache._link().sock.getsockname()[1]
backend.incr_and_get_many("counter", 60, [])
parent_port = port()
read_end, write_end = os.pipe()
pid = os.fork()
if pid == 0:
    counted, _ = backend.incr_and_get_many("counter", 60, [])
    os.write(write_end, f"{counted} {port()}".encode())
    os._exit(0)
os.waitpid(pid, 0)
child_count, child_port = map(int, os.read(read_end, 100).split())
counted, _ = backend.incr_and_get_many("counter", 60, [])
print(child_count, child_port != parent_port, counted, port() == parent_port)
backend.clear()
"""


def test_a_forked_child_opens_its_own_connection():
    """gunicorn forks its workers from a master that may have used the cache: a child never writes on the
    parent's socket (their replies would cross), and the parent's link still works after the fork. In a
    process of its own, since forking the multi-threaded test process could deadlock the child."""
    done = subprocess.run(  # noqa: S603 (our interpreter, our script)
        [sys.executable, "-c", FORK_SCRIPT, LOCATION],
        cwd=Path(__file__).resolve().parents[1],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert done.stdout.split() == ["2", "True", "3", "True"]


class _Socket:
    """A socket with one method replaced (socket objects do not take attributes)."""

    def __init__(self, sock, **methods):
        self._sock, self._methods = sock, methods

    def __getattr__(self, name):
        return self._methods.get(name) or getattr(self._sock, name)
