"""A user's tags: the tag book (names, descriptions, order) and the tags on conversations.

A conversation's tags and the book's definitions change together, in one commit, so a tag on
a conversation is always one the book defines; renaming or deleting a tag changes every
conversation that carries it (found through the ConversationIndex)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar
from uuid import UUID

from application.conversations.conversations import Conversations, Done
from application.shared.store import retry_on_conflict
from domain.conversations.conversation import Conversation
from domain.conversations.tag_book import TagBook, TagDefinition, tag_book_id

T = TypeVar("T")


class Tags:
    def __init__(self, conversations: Conversations) -> None:
        self.conversations = conversations
        self.store = conversations.store
        self.index = conversations.index

    def set_tags(self, user_id: UUID, conversation_id: UUID, tags: object) -> Done:
        return self._tag(user_id, conversation_id, lambda c, _: c.tag(tags))

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
            self.conversations.change(
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
            conversation = self.conversations.get(user_id, conversation_id)
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
