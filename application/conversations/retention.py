"""Temporary chats end: each is removed (ConversationDeleted, so the list, the transcript and
every other read model drop it) once its retention (`expired_at`) has passed, as LibreChat's
TTL index removes them. The read model names candidates; the aggregate decides, so a stale
row or a second worker removing the same chat changes nothing."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from uuid import UUID

from application.conversations.conversations import Conversations
from domain.shared.errors import NotFound

log = logging.getLogger("chronicle.retention")

MAX_ROUNDS = 100  # batches per sweep: a large backlog is worked off over several sweeps


def _now() -> datetime:
    return datetime.now(UTC)


class Retention:
    def __init__(self, conversations: Conversations, clock: Callable[[], datetime] = _now):
        self.conversations = conversations
        self.clock = clock  # injectable: tests move time instead of waiting an hour

    def sweep(self) -> int:
        """Remove every temporary chat expired by now; the number removed."""
        now, removed = self.clock(), 0
        for _ in range(MAX_ROUNDS):
            batch = self.conversations.index.expired_temporary(now)
            done = [self._expire(user_id, cid, now) for user_id, cid in batch]
            removed += sum(done)
            if not any(done):  # empty, or only rows the projection has not dropped yet
                break
        return removed

    def _expire(self, user_id: UUID, conversation_id: UUID, now: datetime) -> bool:
        try:
            return bool(
                self.conversations.change(user_id, conversation_id, lambda c: c.expire(now)).value
            )
        except NotFound:  # already removed (another worker, or the user)
            return False
        except Exception:
            log.exception("could not remove expired conversation %s", conversation_id)
            return False
