"""Conversation commands: each loads one aggregate, decides, and saves (retrying conflicts)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from application.conversations.importers import ImportedConversation, ImportedMessage, read_export
from application.conversations.ports import ConversationIndex
from application.shared.store import EventStore, Position, retry_on_conflict
from domain.conversations.conversation import Conversation, Message
from domain.conversations.forking import renew_ids, select_for_fork
from domain.conversations.rules import NO_PARENT
from domain.conversations.tag_book import TagBook, TagDefinition, tag_book_id
from domain.shared.errors import Invalid, NotFound

T = TypeVar("T")

# Message fields a client may set when posting (LibreChat names → event fields).
MESSAGE_FIELDS = {
    "content": "content",
    "model": "model",
    "endpoint": "endpoint",
    "tokenCount": "token_count",
    "unfinished": "unfinished",
    "error": "error",
}


@dataclass(frozen=True)
class Done:
    """A command's answer: what it produced and where its events landed."""

    value: Any
    position: Position | None


@dataclass(frozen=True)
class Copied:
    conversation: Conversation
    messages: list[Message]
    position: Position | None


class ConversationsService:
    def __init__(self, store: EventStore, index: ConversationIndex) -> None:
        self.store = store
        self.index = index

    # ------------------------------------------------------------ queries
    def get(self, user_id: UUID, conversation_id: UUID) -> Conversation:
        """The caller's own conversation, else NotFound (others' chats don't exist for them)."""
        try:
            conversation = self.store.load(Conversation, conversation_id)
        except NotFound:
            raise NotFound("Conversation not found") from None
        if conversation.deleted or conversation.user_id != user_id:
            raise NotFound("Conversation not found")
        return conversation

    def tags(self, user_id: UUID) -> list[TagDefinition]:
        book = self._book(user_id)
        return sorted(book.tags.values(), key=lambda t: (t.position, t.tag))

    # -------------------------------------------------- conversation edits
    def start(self, user_id: UUID, conversation_id: UUID, **fields: Any) -> Done:
        conversation = Conversation.start(conversation_id, user_id, **fields)
        return Done(conversation, self.store.commit(conversation, actor=user_id))

    def retitle(
        self, user_id: UUID, conversation_id: UUID, title: object, generated: bool = False
    ) -> Done:
        """`generated`: the title was made for the user (title worker), not typed by them."""
        return self._change(user_id, conversation_id, lambda c: c.retitle(title, generated))

    def archive(self, user_id: UUID, conversation_id: UUID, archived: bool) -> Done:
        return self._change(user_id, conversation_id, lambda c: c.archive(archived))

    def pin(self, user_id: UUID, conversation_id: UUID, pinned: bool) -> Done:
        return self._change(user_id, conversation_id, lambda c: c.pin(pinned))

    def delete(self, user_id: UUID, conversation_ids: Iterable[UUID]) -> Done:
        deleted = [cid for cid in conversation_ids if self._delete_one(user_id, cid)]
        return Done(deleted, None)

    def delete_all(self, user_id: UUID) -> Done:
        return self.delete(user_id, self.index.conversation_ids(user_id))

    def archive_all(self, user_id: UUID) -> Done:
        ids = self.index.conversation_ids(user_id, archived=False)
        archived = [self.archive(user_id, cid, True) for cid in ids]
        return Done(len(archived), archived[-1].position if archived else None)

    def set_tags(self, user_id: UUID, conversation_id: UUID, tags: object) -> Done:
        return self._tag(user_id, conversation_id, lambda c, _: c.tag(tags))

    def _delete_one(self, user_id: UUID, conversation_id: UUID) -> bool:
        try:
            self._change(user_id, conversation_id, lambda c: c.delete())
        except NotFound:
            return False
        return True

    # ----------------------------------------------------------- messages
    def post_message(
        self,
        user_id: UUID,
        conversation_id: UUID,
        message_id: UUID,
        parent_message_id: UUID,
        *,
        sender: str,
        is_created_by_user: bool,
        text: str,
        **fields: Any,
    ) -> Done:
        return self._change(
            user_id,
            conversation_id,
            lambda c: c.post(
                message_id,
                parent_message_id,
                sender=sender,
                is_created_by_user=is_created_by_user,
                text=text,
                **fields,
            ),
        )

    def edit_message(
        self,
        user_id: UUID,
        conversation_id: UUID,
        message_id: UUID,
        text: str,
        index: int | None = None,
    ) -> Done:
        def edit(c: Conversation) -> Message:
            message = c.message(message_id)
            if index is None:
                return c.edit(message_id, text, _replace_text(message.content, text))
            content = _edit_part(message.content, index, text)
            return c.edit(message_id, _joined(content, message.text), content)

        return self._change(user_id, conversation_id, edit)

    def give_feedback(
        self, user_id: UUID, conversation_id: UUID, message_id: UUID, feedback: object
    ) -> Done:
        return self._change(
            user_id, conversation_id, lambda c: c.give_feedback(message_id, feedback)
        )

    def delete_message(self, user_id: UUID, conversation_id: UUID, message_id: UUID) -> Done:
        return self._change(user_id, conversation_id, lambda c: c.delete_message(message_id))

    # --------------------------------------------------- fork and copies
    def fork(
        self,
        user_id: UUID,
        conversation_id: UUID,
        message_id: UUID,
        option: str | None,
        split_at_target: bool = False,
    ) -> Copied:
        source = self.get(user_id, conversation_id)
        chosen = select_for_fork(source.messages, message_id, option, split_at_target)
        return self._copy(user_id, source, chosen, source.title)

    def duplicate(self, user_id: UUID, conversation_id: UUID, title: str | None = None) -> Copied:
        source = self.get(user_id, conversation_id)
        return self._copy(user_id, source, source.ordered_messages(), title or source.title)

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

    # ------------------------------------------------------------- import
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

    # --------------------------------------------------------------- tags
    def create_tag(
        self, user_id: UUID, tag: str, description: str = "", conversation_id: UUID | None = None
    ) -> Done:
        """The tag, and its use on `conversation_id`, are recorded together or not at all."""

        def create(book: TagBook) -> TagDefinition:
            book.create(tag, description)
            return book.get(tag.strip())

        if conversation_id is None:
            return self._edit_book(user_id, create)

        def create_on(conversation: Conversation, book: TagBook) -> TagDefinition:
            created = create(book)
            conversation.tag([*conversation.tags, created.tag])
            return created

        return self._tag(user_id, conversation_id, create_on)

    def update_tag(
        self,
        user_id: UUID,
        tag: str,
        new_tag: str | None,
        description: str | None,
        position: int | None,
    ) -> Done:
        renames = new_tag is not None and new_tag.strip() not in ("", tag)
        tagged = self.index.conversation_ids(user_id, tag=tag) if renames else []
        done = self._edit_book(user_id, lambda b: b.update(tag, new_tag, description, position))
        if done.value.tag != tag:
            self._retag(user_id, tagged, tag, done.value.tag)
        return done

    def delete_tag(self, user_id: UUID, tag: str) -> Done:
        tagged = self.index.conversation_ids(user_id, tag=tag)
        done = self._edit_book(user_id, lambda b: b.delete(tag))
        self._retag(user_id, tagged, tag, None)
        return done

    def _retag(self, user_id: UUID, tagged: list[UUID], old: str, new: str | None) -> None:
        """`tagged` was read from the index before the book changed: an index that cannot
        answer (see ConversationIndex) fails the command before anything is recorded."""
        for cid in tagged:
            self._change(
                user_id,
                cid,
                lambda c: c.tag([t for t in ([new if t == old else t for t in c.tags]) if t]),
            )

    def _tag(
        self,
        user_id: UUID,
        conversation_id: UUID,
        decide: Callable[[Conversation, TagBook], T],
    ) -> Done:
        """Change a conversation's tags and define the new ones in the book, in one commit:
        a command that fails (not the caller's conversation, a bad tag) records neither."""

        def attempt() -> Done:
            conversation = self.get(user_id, conversation_id)
            book = self._book(user_id)
            value = decide(conversation, book)
            for tag in conversation.tags:
                book.ensure(tag)
            position = self.store.commit(book, conversation, actor=user_id)
            return Done(value if value is not None else conversation, position)

        return retry_on_conflict(attempt)

    def _book(self, user_id: UUID) -> TagBook:
        book_id = tag_book_id(user_id)
        if not self.store.exists(book_id):
            return TagBook.open(user_id)
        return self.store.load(TagBook, book_id)

    def _edit_book(self, user_id: UUID, decide: Callable[[TagBook], T]) -> Done:
        def attempt() -> Done:
            book = self._book(user_id)
            value = decide(book)
            return Done(value, self.store.commit(book, actor=user_id))

        return retry_on_conflict(attempt)

    # ------------------------------------------------------------ helpers
    def _change(
        self, user_id: UUID, conversation_id: UUID, decide: Callable[[Conversation], T]
    ) -> Done:
        def attempt() -> Done:
            conversation = self.get(user_id, conversation_id)
            value = decide(conversation)
            position = self.store.commit(conversation, actor=user_id)
            return Done(value if value is not None else conversation, position)

        return retry_on_conflict(attempt)


_IMPORTS = UUID("8c0b5a4e-1f7d-4d8e-9a53-6b2f0f6d9e21")


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


def _edit_part(content: list[dict[str, Any]] | None, index: int, text: str) -> list[dict[str, Any]]:
    parts = [dict(p) for p in content or []]
    if not 0 <= index < len(parts) or parts[index].get("type") not in ("text", "think"):
        raise Invalid("Invalid index")
    part = parts[index]
    part[part["type"]] = text
    return parts


def _replace_text(content: list[dict[str, Any]] | None, text: str) -> list[dict[str, Any]] | None:
    if not content:
        return content
    parts = [dict(p) for p in content]
    for part in parts:
        if part.get("type") == "text":
            part["text"] = text
            break
    return parts


def _joined(content: list[dict[str, Any]], fallback: str) -> str:
    texts = [
        p["text"] for p in content if p.get("type") == "text" and isinstance(p.get("text"), str)
    ]
    return "".join(texts) if texts else fallback
