"""Tokens that stop working before they expire: deleted and banned accounts.

An access token is a signed JWT valid for its whole lifetime (15 min), so every request asks
`Revocations.is_revoked(user_id)`. The answer comes from a fast shared set (Redis, or memory
in the single embedded process). That set is a cache, not the truth: when it cannot answer
(Redis unreachable, or its keys lost to a restart or an eviction) the check falls back to the
durable record of deletions, the key store, whose destroyed keys are what a deletion leaves
behind, and the set is refilled from it. Bans live only in the set, as LibreChat keeps them.
"""

from __future__ import annotations

import asyncio
import enum
import logging
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Protocol
from uuid import UUID

log = logging.getLogger(__name__)


class Verdict(enum.Enum):
    REVOKED = "revoked"
    ACTIVE = "active"
    UNSEEDED = "unseeded"  # the set was lost (or never filled): it cannot say
    UNREACHABLE = "unreachable"


class RevokedSubjects(Protocol):
    """The shared set. An entry with `until` disappears by itself then."""

    def check(self, subject: UUID) -> Verdict: ...
    async def acheck(self, subject: UUID) -> Verdict:
        """`check` on the event loop: a request needs no thread for the usual answer."""
        ...

    def revoke(self, subject: UUID, reason: str, until: datetime | None) -> None: ...
    def restore(self, subject: UUID) -> None: ...
    def seed(self, entries: Iterable[tuple[UUID, datetime]]) -> None:
        """Add these entries, then mark the set as complete."""
        ...


class ShreddedSubjects(Protocol):
    """The durable record: subjects whose key was destroyed (their account deleted)."""

    def is_destroyed(self, subject: UUID) -> bool: ...
    def destroyed_since(self, since: datetime) -> list[tuple[UUID, datetime]]: ...


class Revocations:
    def __init__(
        self, revoked: RevokedSubjects, shredded: ShreddedSubjects, token_lifetime: timedelta
    ) -> None:
        self.revoked = revoked
        self.shredded = shredded
        # a deleted account's entry is needed only until its last access token has expired
        self.token_lifetime = token_lifetime

    def is_revoked(self, subject: UUID) -> bool:
        verdict = self.revoked.check(subject)
        if verdict is Verdict.UNSEEDED:
            self._reseed()
            verdict = self.revoked.check(subject)
        if verdict is Verdict.REVOKED or verdict is Verdict.ACTIVE:
            return verdict is Verdict.REVOKED
        return self.shredded.is_destroyed(subject)

    async def is_revoked_async(self, subject: UUID) -> bool:
        """The per-request check. Only a set that cannot answer costs a thread (the key
        store's query, a refill)."""
        verdict = await self.revoked.acheck(subject)
        if verdict is Verdict.REVOKED or verdict is Verdict.ACTIVE:
            return verdict is Verdict.REVOKED
        return await asyncio.to_thread(self.is_revoked, subject)

    def revoke(self, subject: UUID, reason: str, until: datetime | None = None) -> None:
        """From the next request on, in every process. Raises if the set is unreachable,
        so the caller can refuse the change that needed it rather than half-do it."""
        self.revoked.revoke(subject, reason, until)

    def revoke_deleted(self, subject: UUID) -> None:
        self.revoke(subject, "deleted", _now() + self.token_lifetime)

    def restore(self, subject: UUID) -> None:
        """A lifted ban: the subject's unexpired tokens work again."""
        self.revoked.restore(subject)

    def _reseed(self) -> None:
        since = _now() - self.token_lifetime
        deleted = self.shredded.destroyed_since(since)
        self.revoked.seed((subject, at + self.token_lifetime) for subject, at in deleted)
        log.info("revoked-subjects set refilled with %d deleted accounts", len(deleted))


def _now() -> datetime:
    return datetime.now(UTC)
