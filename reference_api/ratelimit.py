"""Fixed-window rate limiting with counters in Redis (when configured) or in the process.

Buckets (chosen by :func:`bucket_for`):

* ``/api/v1/auth/*`` (classic dialect: ``/auth/*``; lean: ``/token`` and ``/users``): one bucket per
  client address (``RATE_LIMIT_AUTH``), whatever the token.
* a request carrying a *valid* bearer token: one bucket per user (``RATE_LIMIT_USER``).
* any other anonymous request (no token, an invalid token, unknown paths): one bucket per
  (client address, route template) (``RATE_LIMIT_ANON``). A probe hammering
  ``GET /api/v1/plans`` anonymously therefore never starves the address's other anonymous
  routes - the smoke suite's rate-limit probe relies on this.

With ``RATE_LIMIT_SHARED`` set (above 0), all of this is replaced by one budget per client
address shared by every limited request, anonymous or not, whatever the route (as many gateways
do): a probe that exhausts it starves every other request from that address.

``/health``, ``/metrics`` and CORS preflights are never limited (the middleware skips them).
When Redis is configured but unreachable, counting falls back to the in-process counters
for a second before Redis is tried again; a limiter error never turns into a 500.
"""

from __future__ import annotations

import contextlib
import logging
import math
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported when a Redis URL is configured (redis costs 70 ms of every start)
    from redis import asyncio as aioredis

log = logging.getLogger("reference_api.ratelimit")


@dataclass(frozen=True)
class Bucket:
    """A counter key and its limit."""

    key: str
    limit: int


@dataclass(frozen=True)
class Decision:
    """The outcome of counting one request."""

    allowed: bool
    limit: int
    remaining: int
    reset_seconds: int


def bucket_for(
    template: str,
    client: str,
    user_id: str | None,
    is_auth: bool,
    anon: int,
    auth: int,
    user: int,
    shared: int = 0,
) -> Bucket:
    """The bucket a request counts against (see the module docstring); ``is_auth``: an authentication path."""
    if shared > 0:
        return Bucket(f"address:{client}", shared)
    if is_auth:
        return Bucket(f"auth:{client}", auth)
    if user_id:
        return Bucket(f"user:{user_id}", user)
    return Bucket(f"anon:{client}:{template}", anon)


class _MemoryCounters:
    """Thread-safe in-process fixed-window counters."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[tuple[str, int], int] = {}

    def incr(self, key: str, window_index: int) -> int:
        with self._lock:
            if len(self._counts) > 50_000:
                self._counts = {k: v for k, v in self._counts.items() if k[1] >= window_index}
            count = self._counts.get((key, window_index), 0) + 1
            self._counts[(key, window_index)] = count
            return count


class RateLimiter:
    """Counts requests per bucket per fixed window."""

    RETRY_REDIS_AFTER = 1.0

    def __init__(self, window_seconds: int, redis_url: str | None) -> None:
        self.window = window_seconds
        self._memory = _MemoryCounters()
        self._redis: aioredis.Redis | None = None
        self._errors: tuple[type[Exception], ...] = (OSError,)  # what a Redis failure raises
        if redis_url:
            from redis import asyncio as aioredis
            from redis.exceptions import RedisError

            self._redis = aioredis.Redis.from_url(
                redis_url, socket_timeout=0.5, socket_connect_timeout=0.5, retry_on_timeout=False
            )
            self._errors = (RedisError, OSError)
        self._redis_down_until = 0.0

    @property
    def redis(self) -> aioredis.Redis | None:
        """The Redis client, if configured."""
        return self._redis

    async def hit(self, bucket: Bucket) -> Decision:
        """Count one request in ``bucket`` and decide."""
        now = time.time()
        index = int(now // self.window)
        reset = max(1, math.ceil((index + 1) * self.window - now))
        count = await self._incr(bucket.key, index)
        return Decision(
            allowed=count <= bucket.limit,
            limit=bucket.limit,
            remaining=max(0, bucket.limit - count),
            reset_seconds=reset,
        )

    async def _incr(self, key: str, index: int) -> int:
        if self._redis is not None and time.monotonic() >= self._redis_down_until:
            redis_key = f"lattice:rl:{key}:{index}"
            try:
                pipe = self._redis.pipeline(transaction=True)
                pipe.incr(redis_key)
                pipe.expire(redis_key, self.window + 1)
                count, _ = await pipe.execute()
                return int(count)
            except self._errors as exc:
                log.warning("Redis unavailable for rate limiting, using in-process counters: %s", exc)
                self._redis_down_until = time.monotonic() + self.RETRY_REDIS_AFTER
        return self._memory.incr(key, index)

    async def ping_redis(self) -> str:
        """``pass``/``fail``/``not_configured`` for the health check."""
        if self._redis is None:
            return "not_configured"
        try:
            ok = await self._redis.ping()
        except self._errors:
            return "fail"
        return "pass" if ok else "fail"

    async def close(self) -> None:
        """Release the Redis connection pool."""
        if self._redis is not None:
            with contextlib.suppress(*self._errors):
                await self._redis.aclose()
