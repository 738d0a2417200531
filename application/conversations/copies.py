"""New conversations made from others: a fork (a branch of the tree, up to a message), a
duplicate (every message), an import (an export file of LibreChat, ChatGPT or Claude). The
copy gets new ids throughout; the source is never changed."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from application.conversations.conversations import Conversations, Done
from application.conversations.importers import ImportedConversation, ImportedMessage, read_export
from application.shared.store import Position
from domain.conversations.conversation import Conversation, Message
from domain.conversations.forking import renew_ids, select_for_fork
from domain.conversations.rules import NO_PARENT

# Imported ids derive from the source's ids under this namespace (see `_imported`).
_IMPORTS = UUID("8c0b5a4e-1f7d-4d8e-9a53-6b2f0f6d9e21")


@dataclass(frozen=True)
class Clone:
    """A message to copy from outside the caller's conversations (a shared link's
    anonymised message): its ids are only names within the copy."""

    id: str
    parent: str
    sender: str
    is_created_by_user: bool
    text: str
    content: list[dict[str, Any]] | None = None
    token_count: int | None = None
    unfinished: bool = False
    error: bool = False
    created_at: datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Copied:
    conversation: Conversation
    messages: list[Message]
    position: Position | None


class Copies:
    def __init__(self, conversations: Conversations) -> None:
        self.conversations = conversations
        self.store = conversations.store

    def fork(
        self,
        user_id: UUID,
        conversation_id: UUID,
        message_id: UUID,
        option: str | None,
        split_at_target: bool = False,
    ) -> Copied:
        source = self.conversations.get(user_id, conversation_id)
        chosen = select_for_fork(source.messages, message_id, option, split_at_target)
        return self._copy(user_id, source, chosen, source.title)

    def duplicate(self, user_id: UUID, conversation_id: UUID, title: str | None = None) -> Copied:
        source = self.conversations.get(user_id, conversation_id)
        return self._copy(user_id, source, source.ordered_messages(), title or source.title)

    def clone(
        self,
        user_id: UUID,
        title: str,
        endpoint: str | None,
        messages: list[Clone],
    ) -> Copied:
        """A new conversation of the caller holding these messages (parents first; a parent
        not among them makes its child a root), with fresh ids and their original times."""
        copy = Conversation.start(uuid.uuid4(), user_id, title=title, endpoint=endpoint)
        ids = {m.id: uuid.uuid4() for m in messages}
        for message in _clones_parents_first(messages):
            parent = ids.get(message.parent, NO_PARENT)
            copy.post(
                ids[message.id],
                parent if parent in copy.messages else NO_PARENT,
                sender=message.sender,
                is_created_by_user=message.is_created_by_user,
                text=message.text,
                content=message.content,
                token_count=message.token_count,
                unfinished=message.unfinished,
                error=message.error,
                extra=message.extra,
                created_at=message.created_at,
            )
        position = self.store.commit(copy, actor=user_id)
        return Copied(copy, copy.ordered_messages(), position)

    def import_export(self, user_id: UUID, data: Any) -> Done:
        """Import every conversation of an export; ids derive from the source's ids, so a
        second import of the same file skips what is already there."""
        imported, position = 0, None
        # Every conversation is built (and so validated) before the first is recorded: a bad
        # one late in the file must not leave the earlier ones imported behind a 400.
        for conversation in [_imported(user_id, source) for source in read_export(data)]:
            if self.store.exists(conversation.id):
                continue
            try:
                position = self.store.commit(conversation, actor=user_id) or position
            except IntegrityError:
                continue  # the same file is being imported concurrently
            imported += 1
        return Done(imported, position)

    def _copy(
        self, user_id: UUID, source: Conversation, messages: list[Message], title: str
    ) -> Copied:
        copy = Conversation.start(
            uuid.uuid4(),
            user_id,
            title=title,
            endpoint=source.endpoint,
            model=source.model,
            settings=dict(source.settings),
        )
        for message in renew_ids(messages):
            copy.post(message.message_id, message.parent_message_id, **_fields_of(message))
        position = self.store.commit(copy, actor=user_id)
        return Copied(copy, copy.ordered_messages(), position)


def _imported(user_id: UUID, source: ImportedConversation) -> Conversation:
    def stable(source_id: str) -> UUID:
        return uuid.uuid5(_IMPORTS, f"{user_id}:{source.source}:{source.source_id}:{source_id}")

    conversation = Conversation.start(
        uuid.uuid5(_IMPORTS, f"{user_id}:{source.source}:{source.source_id}"),
        user_id,
        title=source.title[:1024].strip() or "Imported Chat",
        endpoint=source.endpoint,
        model=source.model,
        imported_from=source.source,
        created_at=source.created_at,
    )
    for message in _parents_first(source.messages):
        parent = message.parent_source_id
        conversation.post(
            stable(message.source_id),
            stable(parent) if parent and stable(parent) in conversation.messages else NO_PARENT,
            sender=message.sender,
            is_created_by_user=message.is_created_by_user,
            text=message.text,
            model=message.model,
            created_at=message.created_at,
        )
    return conversation


def _parents_first(messages: list[ImportedMessage]) -> list[ImportedMessage]:
    ids = {m.source_id for m in messages}
    placed: set[str] = set()
    ordered: list[ImportedMessage] = []
    pending = [m for m in messages if m.source_id not in placed]
    while pending:
        ready = [
            m for m in pending if m.parent_source_id not in ids or m.parent_source_id in placed
        ]
        if not ready:  # a cycle in a hand-edited file: attach the rest to the root
            ready = pending[:1]
        for message in ready:
            if message.source_id not in placed:
                placed.add(message.source_id)
                ordered.append(message)
        pending = [m for m in pending if m.source_id not in placed]
    return ordered


def _clones_parents_first(messages: list[Clone]) -> list[Clone]:
    by_id = {m.id: m for m in messages}
    placed: set[str] = set()
    ordered: list[Clone] = []
    for message in messages:
        chain: list[Clone] = []  # the message and its unplaced ancestors, child first
        current: Clone | None = message
        while current is not None and current.id not in placed and current not in chain:
            chain.append(current)
            current = by_id.get(current.parent)
        for clone in reversed(chain):
            placed.add(clone.id)
            ordered.append(clone)
    return ordered


def _fields_of(message: Message) -> dict[str, Any]:
    return {
        "sender": message.sender,
        "is_created_by_user": message.is_created_by_user,
        "text": message.text,
        "content": message.content,
        "model": message.model,
        "endpoint": message.endpoint,
        "token_count": message.token_count,
        "unfinished": message.unfinished,
        "error": message.error,
        "extra": message.extra,
    }
