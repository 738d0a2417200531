"""Redis twins of the in-memory coordination state (distributed mode)."""

from __future__ import annotations

import contextlib
import logging
from uuid import UUID

import redis

from application.shared.store import Position

log = logging.getLogger(__name__)


class RedisWatermarks:
    """Per-user last write positions, shared by every API process; kept one minute."""

    def __init__(self, client: redis.Redis, prefix: str = "chronicle", ttl: int = 60) -> None:
        self._redis = client
        self._prefix = prefix
        self._ttl = ttl
        # max(), atomically: a slower, older write must not lower the mark (sent by its
        # SHA once the server knows the script)
        self._mark = client.register_script(
            "local v = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0') "
            "if tonumber(ARGV[2]) > v then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end "
            "redis.call('EXPIRE', KEYS[1], ARGV[3]) return 1"
        )

    def mark(self, actor: UUID, position: Position) -> None:
        key = f"{self._prefix}:rw:{actor}"
        try:
            self._mark(keys=[key], args=[position.context, position.notification_id, self._ttl])
        except redis.RedisError as error:
            # the write is committed; only the wait for it is lost (reads may lag briefly)
            log.warning("could not record the read-your-writes mark: %s", error)

    def get(self, actor: UUID) -> dict[str, int]:
        try:
            raw = self._redis.hgetall(f"{self._prefix}:rw:{actor}")
        except redis.RedisError:
            return {}  # Redis down: serve possibly stale reads rather than fail
        return {k.decode(): int(v) for k, v in raw.items()}  # type: ignore[union-attr]


class RedisPendingPokes:
    """One queued poke per projection across all processes; expires so none gets stuck."""

    def __init__(self, client: redis.Redis, prefix: str = "chronicle", ttl: int = 30) -> None:
        self._redis = client
        self._prefix = prefix
        self._ttl = ttl

    def add(self, name: str) -> bool:
        return self.add_many([name])[0]

    def add_many(self, names: list[str]) -> list[bool]:
        """One round trip for all of a commit's projections."""
        try:
            with self._redis.pipeline(transaction=False) as pipe:
                for name in names:
                    pipe.set(f"{self._prefix}:poke:{name}", 1, nx=True, ex=self._ttl)
                return [bool(added) for added in pipe.execute()]
        except redis.RedisError:
            return [True] * len(names)  # send anyway: duplicates are harmless, silence is not

    def clear(self, name: str) -> None:
        with contextlib.suppress(redis.RedisError):
            self._redis.delete(f"{self._prefix}:poke:{name}")
