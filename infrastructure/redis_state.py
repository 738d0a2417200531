"""Redis twins of the in-memory coordination state (distributed mode)."""

from __future__ import annotations

import contextlib
from uuid import UUID

import redis

from application.shared.store import Position


class RedisWatermarks:
    """Per-user last write positions, shared by every API process; kept one minute."""

    def __init__(self, client: redis.Redis, prefix: str = "chronicle", ttl: int = 60) -> None:
        self._redis = client
        self._prefix = prefix
        self._ttl = ttl

    def mark(self, actor: UUID, position: Position) -> None:
        key = f"{self._prefix}:rw:{actor}"
        # max(), atomically: a slower, older write must not lower the mark
        self._redis.eval(
            "local v = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0') "
            "if tonumber(ARGV[2]) > v then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end "
            "redis.call('EXPIRE', KEYS[1], ARGV[3]) return 1",
            1,
            key,
            position.context,
            position.notification_id,
            self._ttl,
        )

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
        try:
            return bool(self._redis.set(f"{self._prefix}:poke:{name}", 1, nx=True, ex=self._ttl))
        except redis.RedisError:
            return True  # send anyway: duplicates are harmless, silence is not

    def clear(self, name: str) -> None:
        with contextlib.suppress(redis.RedisError):
            self._redis.delete(f"{self._prefix}:poke:{name}")
