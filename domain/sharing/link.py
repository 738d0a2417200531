"""The SharedLink aggregate: one per owner, conversation and target message (LibreChat
allows one active link for each), so two concurrent creates of the same link conflict in
the store instead of both succeeding."""

from __future__ import annotations

import uuid
from datetime import datetime
from uuid import UUID

from domain.shared.aggregate import Aggregate, applies
from domain.shared.errors import Conflict, Invalid, NotFound
from domain.sharing.events import SharedLinkCreated, SharedLinkDeleted, SharedLinkUpdated

_LINKS = UUID("5d1c8f0e-3b7a-4c2e-9f61-0a8e4b2d7c13")
MAX_TITLE = 1024


def link_id(user_id: UUID, conversation_id: UUID, target: UUID | None) -> UUID:
    """The aggregate's id, derived from what makes a link unique (its `_id`, the
    `resource_id`, is new for each creation: an ACL names one life of the link)."""
    return uuid.uuid5(_LINKS, f"{user_id}:{conversation_id}:{target or ''}")


class SharedLink(Aggregate):
    user_id: UUID
    resource_id: UUID
    share_id: str
    conversation_id: UUID
    title: str
    message_ids: list[UUID]
    target_message_id: UUID | None
    snapshot_files: bool
    public: bool
    expired_at: datetime | None
    created_at: datetime
    updated_at: datetime
    live: bool = False

    @classmethod
    def blank(cls, user_id: UUID, conversation_id: UUID, target: UUID | None) -> SharedLink:
        """A link never published yet, to publish."""
        return cls(link_id(user_id, conversation_id, target))

    def publish(
        self,
        *,
        user_id: UUID,
        resource_id: UUID,
        share_id: str,
        conversation_id: UUID,
        title: str,
        message_ids: list[UUID],
        target: UUID | None,
        snapshot_files: bool,
        public: bool,
        expired_at: datetime | None,
        now: datetime,
    ) -> None:
        """A link whose temporary chat expired may be published again."""
        if self.active(now):
            raise Conflict("Share already exists")
        _check_snapshot(message_ids, target)
        self._record(
            SharedLinkCreated,
            user_id=user_id,
            resource_id=resource_id,
            share_id=share_id,
            conversation_id=conversation_id,
            title=(title or "Untitled")[:MAX_TITLE],
            message_ids=message_ids,
            target_message_id=target,
            snapshot_files=snapshot_files,
            public=public,
            expired_at=expired_at,
        )

    def republish(
        self,
        message_ids: list[UUID],
        target: UUID | None,
        snapshot_files: bool,
        expired_at: datetime | None,
    ) -> None:
        if not self.live:
            raise NotFound("Share not found")
        _check_snapshot(message_ids, target)
        self._record(
            SharedLinkUpdated,
            user_id=self.user_id,
            message_ids=message_ids,
            target_message_id=target,
            snapshot_files=snapshot_files,
            expired_at=expired_at,
        )

    def active(self, now: datetime) -> bool:
        return self.live and (self.expired_at is None or self.expired_at > now)

    def delete(self) -> None:
        if not self.live:
            raise NotFound("Share not found")
        self._record(SharedLinkDeleted, user_id=self.user_id, share_id=self.share_id)

    @applies(SharedLinkCreated)
    def _created(self, e: SharedLinkCreated) -> None:
        self.user_id, self.share_id, self.conversation_id = e.user_id, e.share_id, e.conversation_id
        self.resource_id = e.resource_id
        self.title, self.public = e.title, e.public
        self._snapshot(e.message_ids, e.target_message_id, e.snapshot_files, e.expired_at)
        self.created_at = self.updated_at = e.timestamp
        self.live = True

    @applies(SharedLinkUpdated)
    def _updated(self, e: SharedLinkUpdated) -> None:
        self._snapshot(e.message_ids, e.target_message_id, e.snapshot_files, e.expired_at)
        self.updated_at = e.timestamp

    @applies(SharedLinkDeleted)
    def _deleted(self, e: SharedLinkDeleted) -> None:
        self.live = False

    def _snapshot(
        self,
        message_ids: list[UUID],
        target: UUID | None,
        snapshot_files: bool,
        expired_at: datetime | None,
    ) -> None:
        self.message_ids, self.target_message_id = list(message_ids), target
        self.snapshot_files, self.expired_at = snapshot_files, expired_at


def _check_snapshot(message_ids: list[UUID], target: UUID | None) -> None:
    """LibreChat's refusals, in its words (the route answers them with 400)."""
    if not message_ids:
        raise Invalid("No messages to share")
    if target is not None and target not in message_ids:
        raise Invalid("Target message not found")
