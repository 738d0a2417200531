"""Counters behind the abuse limits: in memory (embedded, one process) and in Redis
(distributed: every API process shares the windows, the scores and the bans)."""

from __future__ import annotations

import threading
import time

import redis


def _now_ms() -> int:
    return int(time.time() * 1000)


class MemoryAbuseStore:
    """Fixed windows as express-rate-limit's MemoryStore keeps them: the first hit opens one."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[int, int]] = {}  # key → (count, resets at, ms)
        self._scores: dict[str, int] = {}
        self._bans: dict[str, int] = {}  # key → expires at, ms

    def hit(self, key: str, window_ms: int) -> int:
        now = _now_ms()
        with self._lock:
            count, reset = self._windows.get(key, (0, 0))
            if reset <= now:
                count, reset = 0, now + window_ms
            self._windows[key] = (count + 1, reset)
            return count + 1

    def add_score(self, key: str, score: int) -> tuple[int, int]:
        with self._lock:
            before = self._scores.get(key, 0)
            self._scores[key] = before + score
            return before, before + score

    def ban(self, keys: list[str], expires_at_ms: int) -> None:
        with self._lock:
            for key in keys:
                self._bans[key] = expires_at_ms

    def banned_until(self, keys: list[str]) -> int | None:
        now = _now_ms()
        with self._lock:
            for key in keys:
                until = self._bans.get(key)
                if until is not None and until <= now:
                    del self._bans[key]  # expired: as LibreChat's checkBan, clean it up
                elif until is not None:
                    return until
        return None

    def lift(self, keys: list[str]) -> None:
        with self._lock:
            for key in keys:
                self._bans.pop(key, None)


# INCR and the window's expiry in one step, so no process can see a counter without a TTL.
_HIT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return count
"""


class RedisAbuseStore:
    """Keys under `<prefix>:limits:`; bans carry their expiry as a TTL, so they lapse alone."""

    def __init__(self, client: redis.Redis, prefix: str = "chronicle") -> None:
        self._redis = client
        self._prefix = f"{prefix}:limits:"
        self._hit = client.register_script(_HIT)

    def hit(self, key: str, window_ms: int) -> int:
        return int(self._hit(keys=[self._prefix + key], args=[max(window_ms, 1)]))

    def add_score(self, key: str, score: int) -> tuple[int, int]:
        after = int(self._redis.incrby(self._prefix + "violations:" + key, score))
        return after - score, after

    def ban(self, keys: list[str], expires_at_ms: int) -> None:
        with self._redis.pipeline(transaction=True) as pipe:
            for key in keys:
                pipe.set(self._prefix + "ban:" + key, expires_at_ms, pxat=expires_at_ms)
            pipe.execute()

    def banned_until(self, keys: list[str]) -> int | None:
        values = self._redis.mget([self._prefix + "ban:" + key for key in keys])
        found = [int(v) for v in values if v is not None]
        return max(found) if found else None

    def lift(self, keys: list[str]) -> None:
        self._redis.delete(*(self._prefix + "ban:" + key for key in keys))
