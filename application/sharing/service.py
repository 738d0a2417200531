"""Shared-link commands, with LibreChat's refusals (`share.ts`: SHARE_EXISTS,
CONVERSATION_NOT_FOUND, NO_MESSAGES, TARGET_MESSAGE_NOT_FOUND, SHARE_NOT_FOUND).

A link snapshots which messages it shows (every message of the conversation at the time);
their content is read from the transcript when the link is opened, as LibreChat's link
references its message documents: an edit shows, a later message does not."""

from __future__ import annotations

import logging
import secrets
import uuid
from uuid import UUID

import domain.sharing.events  # noqa: F401 (registers the sharing topics with the mapper)
from application.conversations.conversations import Conversations
from application.shared.store import EventStore, retry_on_conflict
from application.sharing.ports import LinkAccess, LinkIndex, LinkRef
from domain.conversations.conversation import Conversation
from domain.shared.errors import Conflict, Invalid, NotFound
from domain.shared.events import utcnow
from domain.sharing.branches import Node, branch_tail
from domain.sharing.link import SharedLink, link_id

NO_CONVERSATION = "Conversation not found or access denied"
log = logging.getLogger(__name__)
_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"


class Expired(NotFound):
    """The conversation is a temporary chat past its retention (LibreChat answers an empty
    404)."""


def nanoid(size: int = 21) -> str:
    """A share id as LibreChat's `nanoid()` makes them: 126 random bits, URL-safe."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(size))


class SharedLinks:
    def __init__(
        self,
        store: EventStore,
        conversations: Conversations,
        index: LinkIndex,
        access: LinkAccess,
    ) -> None:
        self.store = store
        self.conversations = conversations
        self.index = index
        self.access = access

    def create(
        self,
        user_id: UUID,
        conversation_id: str,
        target: str | None,
        *,
        snapshot_files: bool,
        public: bool,
    ) -> SharedLink:
        def attempt() -> SharedLink:
            cid = _uuid(conversation_id)
            self._refuse_existing(user_id, cid, target)
            conversation = self._conversation(user_id, cid)
            ids = _message_ids(conversation)
            link = self._load(user_id, conversation.id, _target(target, ids))
            link.publish(
                user_id=user_id,
                resource_id=uuid.uuid4(),
                share_id=nanoid(),
                conversation_id=conversation.id,
                title=conversation.title,
                message_ids=ids,
                target=_target(target, ids),
                snapshot_files=snapshot_files,
                public=public,
                expired_at=conversation.expired_at,
                now=utcnow(),
            )
            self.store.commit(link, actor=user_id)
            return link

        link = retry_on_conflict(attempt)
        try:
            self.access.opened(ref(link))
        except Exception:  # as LibreChat: a link whose grants failed is not kept
            self._retract(link)
            self.access.closed(ref(link))
            raise
        return link

    def update(
        self, user_id: UUID, share_id: str, target: str | None, *, snapshot_files: bool
    ) -> SharedLink:
        def attempt() -> SharedLink:
            link = self._own(user_id, share_id)
            try:
                conversation = self._conversation(user_id, link.conversation_id)
            except Expired:
                raise
            except NotFound:  # its messages are gone with it
                raise Invalid("No messages to share") from None
            ids = _message_ids(conversation)
            stored = _target(target, ids) if target is not None else link.target_message_id
            if stored is not None and stored not in ids:
                raise Invalid("Target message not found")
            if target is None and stored is not None:
                stored = UUID(branch_tail(_nodes(conversation), str(stored)))
            link.republish(ids, stored, snapshot_files, conversation.expired_at)
            self.store.commit(link, actor=user_id)
            return link

        return retry_on_conflict(attempt)

    def delete(self, user_id: UUID, share_id: str) -> SharedLink:
        def attempt() -> SharedLink:
            link = self._own(user_id, share_id)
            link.delete()
            self.store.commit(link, actor=user_id)
            return link

        link = retry_on_conflict(attempt)
        try:
            self.access.closed(ref(link))
        except Exception:  # as LibreChat's cleanup: the link is gone, its grants name nothing
            log.warning(
                "grants of deleted shared link %s not removed", link.share_id, exc_info=True
            )
        return link

    # ------------------------------------------------------------- helpers
    def _retract(self, link: SharedLink) -> None:
        def attempt() -> None:
            current = self.store.load(SharedLink, link.id)
            if current.live and current.share_id == link.share_id:
                current.delete()
                self.store.commit(current, actor=link.user_id)

        retry_on_conflict(attempt)

    def _refuse_existing(self, user_id: UUID, cid: UUID | None, target: str | None) -> None:
        """LibreChat looks for an active link first: of this target when one is named, else
        any link of the conversation."""
        if cid is None:
            return
        if target is None:
            if self.index.has_live_link(user_id, cid):
                raise Conflict("Share already exists")
            return
        tid = _uuid(target)
        key = link_id(user_id, cid, tid) if tid is not None else None
        exists = key is not None and self.store.exists(key)
        if exists and key is not None and self.store.load(SharedLink, key).active(utcnow()):
            raise Conflict("Share already exists")

    def _conversation(self, user_id: UUID, cid: UUID | None) -> Conversation:
        if cid is None:
            raise NotFound(NO_CONVERSATION)
        try:
            conversation = self.conversations.get(user_id, cid)
        except NotFound:
            raise NotFound(NO_CONVERSATION) from None
        expired = conversation.expired_at
        if expired is not None and expired <= utcnow():
            raise Expired("Not Found")
        return conversation

    def _load(self, user_id: UUID, cid: UUID, target: UUID | None) -> SharedLink:
        key = link_id(user_id, cid, target)
        if self.store.exists(key):
            return self.store.load(SharedLink, key)
        return SharedLink.blank(user_id, cid, target)

    def _own(self, user_id: UUID, share_id: str) -> SharedLink:
        key = self.index.link_of(user_id, share_id)
        if key is None:
            raise NotFound("Share not found")
        link = self.store.load(SharedLink, key)
        if not link.live or link.user_id != user_id or link.share_id != share_id:
            raise NotFound("Share not found")
        return link


def ref(link: SharedLink) -> LinkRef:
    return LinkRef(link.resource_id, link.user_id, link.public)


def _uuid(value: str | None) -> UUID | None:
    try:
        return UUID(str(value)) if value is not None else None
    except ValueError:
        return None


def _target(target: str | None, ids: list[UUID]) -> UUID | None:
    """The named target as an id of the conversation; one that names none of its messages
    (or is no id at all) is LibreChat's 'Target message not found', after 'No messages'."""
    if target is None:
        return None
    if not ids:
        raise Invalid("No messages to share")
    found = _uuid(target)
    if found is None or found not in ids:
        raise Invalid("Target message not found")
    return found


def _message_ids(conversation: Conversation) -> list[UUID]:
    return [m.message_id for m in conversation.ordered_messages()]


def _nodes(conversation: Conversation) -> list[Node]:
    return [
        Node(str(m.message_id), str(m.parent_message_id), m.created_at)
        for m in conversation.ordered_messages()
    ]
