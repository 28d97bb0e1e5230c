"""Django's Redis cache backend, with one client object per connection pool and process, and one cheap
round trip for the rate limit.

Django's ``RedisCacheClient.get_client`` builds a new ``redis.Redis`` object around the shared connection
pool for every cache call; building it costs more than a round trip to a local Redis (measured: about
110 us against 80 us for a GET, docs/benchmarks.md). A ``redis.Redis`` object is safe to share between
threads (each command takes a connection from the pool) and after a fork (the pool notices the new process
and opens new connections), so this backend builds it once per pool. Everything else is Django's backend.

``incr_and_get_many`` runs on every public verification (core.ratelimit.hit_and_read). It writes its
commands in one packet on a connection of its own per process (``_Link``) and parses the replies with
hiredis (requirements.txt): neither redis-py's pipeline object nor its pool's checkout and health check
per call, whose bookkeeping cost more CPU than the round trip itself (docs/benchmarks.md).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from typing import Any

import hiredis
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient
from django.utils.functional import cached_property
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError


class SharedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}
        self._links = threading.local()

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return client

    def round_trip(self, commands: Sequence[tuple[Any, ...]]) -> list[Any]:
        """Send ``commands`` (each a tuple of a command's words) to the primary in one write and return their
        replies in order, as a non-transactional pipeline would.

        Every reply is read before an error reply is raised, so the connection stays in step with the
        server; after any other failure it is closed instead. A connection the server closed (Redis
        restarted) is replaced once, before anything was read from it; a timeout is not retried, since
        the commands may have run."""
        try:
            replies = self._link().send_and_read(commands)
        except _Closed:
            replies = self._link().send_and_read(commands)
        for reply in replies:
            if isinstance(reply, ResponseError):
                raise reply
        return replies

    def _link(self) -> _Link:
        """This thread's link to the primary, made on first use and again in a forked child (a socket
        inherited from the parent is the parent's: the child never writes to it)."""
        link = getattr(self._links, "link", None)
        if link is None or link.pid != os.getpid() or link.sock is None:
            pool = self._get_connection_pool(write=True)
            link = self._links.link = _Link(pool.connection_class(**pool.connection_kwargs))
        return link


class _Closed(RedisConnectionError):
    """The server closed the link before answering: nothing was read, the commands can be sent again."""


class _Link:
    """One connection of one process (and thread) to the Redis primary, for ``round_trip`` alone.

    redis-py makes the connection (address, TLS, AUTH, SELECT, timeouts from the cache's OPTIONS); the round
    trip then writes the packed commands on its socket and parses the replies with hiredis, without the
    pool's checkout, health check and release around every call. Those cost more than the round trip itself
    (docs/benchmarks.md, "Verification under load"): about 85 us of CPU per call against 35."""

    def __init__(self, connection: Any) -> None:
        connection.connect()
        self.connection = connection
        self.pid = os.getpid()
        # redis-py keeps the connected socket in ``_sock`` (pinned in requirements.txt; tests/test_cache_redis.py).
        self.sock = connection._sock
        self.reader = hiredis.Reader(replyError=ResponseError)
        self.buffer = bytearray(65536)

    def send_and_read(self, commands: Sequence[tuple[Any, ...]]) -> list[Any]:
        """One write of ``commands`` and their replies, error replies included as values. Any failure closes
        the link (replies may be left unread on it); ``_Closed`` when the server had closed it."""
        received = False
        try:
            self.sock.sendall(b"".join(hiredis.pack_command(command) for command in commands))
            replies: list[Any] = []
            while len(replies) < len(commands):
                reply = self.reader.gets()
                if reply is not False:
                    replies.append(reply)
                    continue
                size = self.sock.recv_into(self.buffer)
                if not size:
                    raise ConnectionResetError("Redis closed the connection")
                received = True
                self.reader.feed(self.buffer, 0, size)
            return replies
        except BaseException as error:
            self.close()
            if isinstance(error, TimeoutError):
                raise RedisTimeoutError(f"Redis did not answer in time: {error}") from error
            if isinstance(error, ConnectionError) and not received:  # reset, broken pipe, or the EOF above
                raise _Closed(f"Redis closed the connection: {error}") from error
            if isinstance(error, OSError | hiredis.ProtocolError):
                raise RedisConnectionError(f"Redis round trip failed: {error}") from error
            raise

    def close(self) -> None:
        self.sock = None
        self.connection.disconnect()


class RedisCache(DjangoRedisCache):
    @cached_property
    def _cache(self) -> SharedClientRedisCacheClient:
        return SharedClientRedisCacheClient(self._servers, **self._options)

    def incr_and_get_many(self, counter: str, timeout: int, keys: Sequence[str]) -> tuple[int, dict[str, Any]]:
        """Count one in ``counter`` and read ``keys``, in one round trip (a rate limit and the cached reads of
        the request it admits, core.ratelimit.hit_and_read).

        INCR is atomic and creates a missing counter at 1; EXPIRE NX gives a new counter its ``timeout``
        and leaves a running one alone. Returns the count and the values found, as ``get_many`` would.

        The keys are the callers' own (a client address, a well-formed certificate number), so they skip the
        portability check of ``make_and_validate_key``, which walks every character."""
        full_counter = self.make_key(counter)
        commands: list[tuple[Any, ...]] = [("INCR", full_counter), ("EXPIRE", full_counter, timeout, "NX")]
        if keys:
            commands.append(("MGET", *(self.make_key(key) for key in keys)))
        replies = self._cache.round_trip(commands)
        values = {}
        if keys:
            loads = self._cache._serializer.loads
            values = {key: loads(raw) for key, raw in zip(keys, replies[2], strict=True) if raw is not None}
        return int(replies[0]), values
