"""Shared-link events (the `sharing` store). The link's owner is the data subject: deleting
the user shreds the titles while ids, times and counts remain."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from domain.shared.events import DomainEvent


class SharedLinkEvent(DomainEvent, frozen=True, kw_only=True):
    subject = "user_id"
    user_id: UUID


class SharedLinkCreated(SharedLinkEvent, frozen=True, kw_only=True):
    """A link published: `message_ids` is the snapshot (every message of the conversation
    then, in order); `target_message_id` bounds what is shown to the branch levels up to it.
    `public`: viewable by anyone the deployment lets view public links (LibreChat grants
    the public viewer role when the creator's role has `SHARED_LINKS.SHARE_PUBLIC`).
    A link can be created again after it was deleted: a new `resource_id` and `share_id`."""

    TOPIC = "sharing.SharedLinkCreated"
    personal = ("title",)
    resource_id: UUID  # the link's `_id` (its ACL resource id): new for every creation
    share_id: str
    conversation_id: UUID
    title: str
    message_ids: list[UUID]
    target_message_id: UUID | None = None
    snapshot_files: bool = True
    public: bool = True
    expired_at: datetime | None = None  # a temporary chat's link ends with the chat


class SharedLinkUpdated(SharedLinkEvent, frozen=True, kw_only=True):
    """Re-published: a new snapshot under the same `share_id` (its `updatedAt` changes,
    the revision a fork is checked against)."""

    TOPIC = "sharing.SharedLinkUpdated"
    message_ids: list[UUID]
    target_message_id: UUID | None = None
    snapshot_files: bool = True
    expired_at: datetime | None = None


class SharedLinkDeleted(SharedLinkEvent, frozen=True, kw_only=True):
    TOPIC = "sharing.SharedLinkDeleted"
    share_id: str
