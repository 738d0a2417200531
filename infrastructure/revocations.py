"""The revoked-subjects set: in memory (embedded, one process) and in Redis (every process)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import redis

from application.identity.revocation import Verdict

log = logging.getLogger(__name__)


class MemoryRevokedSubjects:
    """Starts unseeded: after a restart the first check refills it from the key store."""

    def __init__(self) -> None:
        self._until: dict[UUID, datetime | None] = {}
        self._seeded = False
        self._lock = threading.Lock()

    def check(self, subject: UUID) -> Verdict:
        if not self._seeded:
            return Verdict.UNSEEDED
        with self._lock:
            if subject not in self._until:
                return Verdict.ACTIVE
            until = self._until[subject]
            if until is not None and until <= datetime.now(UTC):
                del self._until[subject]
                return Verdict.ACTIVE
        return Verdict.REVOKED

    async def acheck(self, subject: UUID) -> Verdict:
        return self.check(subject)

    def revoke(self, subject: UUID, reason: str, until: datetime | None) -> None:
        with self._lock:
            self._until[subject] = until

    def restore(self, subject: UUID) -> None:
        with self._lock:
            self._until.pop(subject, None)

    def seed(self, entries: Iterable[tuple[UUID, datetime]]) -> None:
        with self._lock:
            for subject, until in entries:
                self._until.setdefault(subject, until)
            self._seeded = True


class RedisRevokedSubjects:
    """One key per revoked subject (expiring with its revocation) and a `seeded` mark with
    no expiry: if a restart without persistence or an eviction loses the keys, the mark is
    gone too, and the check says so instead of letting the tokens through."""

    def __init__(
        self, client: redis.Redis, prefix: str = "chronicle", aclient: Any | None = None
    ) -> None:
        self._redis = client
        self._async = aclient  # redis.asyncio.Redis, for the per-request check
        self._prefix = f"{prefix}:revoked"

    def check(self, subject: UUID) -> Verdict:
        try:
            answer = self._redis.mget(self._keys(subject))
        except redis.RedisError as error:
            log.warning("revoked-subjects set unreachable, asking the key store: %s", error)
            return Verdict.UNREACHABLE
        return _verdict(answer)

    async def acheck(self, subject: UUID) -> Verdict:
        if self._async is None:
            return self.check(subject)
        try:
            answer = await self._async.mget(self._keys(subject))
        except Exception as error:  # Redis down, or a client bound to another event loop
            log.warning("revoked-subjects set unreachable, asking the key store: %s", error)
            return Verdict.UNREACHABLE
        return _verdict(answer)

    def _keys(self, subject: UUID) -> list[str]:
        return [f"{self._prefix}:{subject}", f"{self._prefix}:seeded"]

    def revoke(self, subject: UUID, reason: str, until: datetime | None) -> None:
        key = f"{self._prefix}:{subject}"
        if until is None:
            self._redis.set(key, reason)
        elif until > datetime.now(UTC):
            self._redis.set(key, reason, exat=until)

    def restore(self, subject: UUID) -> None:
        self._redis.delete(f"{self._prefix}:{subject}")

    def seed(self, entries: Iterable[tuple[UUID, datetime]]) -> None:
        now = datetime.now(UTC)
        try:
            with self._redis.pipeline(transaction=False) as pipe:
                for subject, until in entries:
                    if until > now:
                        pipe.set(f"{self._prefix}:{subject}", "deleted", exat=until, nx=True)
                pipe.set(f"{self._prefix}:seeded", 1)
                pipe.execute()
        except redis.RedisError as error:  # the next check will try again
            log.warning("could not refill the revoked-subjects set: %s", error)


def _verdict(answer: Any) -> Verdict:
    value, seeded = answer
    if seeded is None:
        return Verdict.UNSEEDED
    return Verdict.ACTIVE if value is None else Verdict.REVOKED
