"""Django's Redis cache backend, with one client object per connection pool and process, and one cheap
round trip for the rate limit.

Django's ``RedisCacheClient.get_client`` builds a new ``redis.Redis`` object around the shared connection
pool for every cache call; building it costs more than a round trip to a local Redis (measured: about
110 us against 80 us for a GET, docs/benchmarks.md). A ``redis.Redis`` object is safe to share between
threads (each command takes a connection from the pool) and after a fork (the pool notices the new process
and opens new connections), so this backend builds it once per pool. Everything else is Django's backend.

``incr_and_get_many`` runs on every public verification (core.ratelimit.hit_and_read). It writes its
commands in one packet on a pooled connection and reads the replies, without redis-py's pipeline object
(its bookkeeping cost more CPU than the round trip: 70 against 41 us per call, docs/benchmarks.md); the
replies are parsed by hiredis (requirements.txt), which redis-py uses when it is installed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

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

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return client

    def round_trip(self, commands: Sequence[tuple[Any, ...]]) -> list[Any]:
        """Send ``commands`` (each a tuple of a command's words) to the primary in one write and return their
        replies in order, as a non-transactional pipeline would.

        Every reply is read before an error reply is raised, so the connection goes back to the pool in step
        with the server; after any other failure it is closed instead. A broken pooled connection (Redis
        restarted) is replaced once, as redis-py's own retry does."""
        pool = self._get_connection_pool(write=True)
        try:
            replies = _send_and_read(pool, commands)
        except (RedisConnectionError, RedisTimeoutError):
            replies = _send_and_read(pool, commands)
        for reply in replies:
            if isinstance(reply, ResponseError):
                raise reply
        return replies


def _send_and_read(pool: Any, commands: Sequence[tuple[Any, ...]]) -> list[Any]:
    """One write of ``commands`` on a pooled connection and their replies, error replies included as values.
    The connection goes back to the pool, closed after any failure (replies may be left unread on it)."""
    connection = pool.get_connection()
    try:
        connection.send_packed_command(connection.pack_commands(commands))
        replies = []
        for _ in commands:
            try:
                replies.append(connection.read_response())
            except ResponseError as error:
                replies.append(error)
        return replies
    except BaseException:
        connection.disconnect()
        raise
    finally:
        pool.release(connection)


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
