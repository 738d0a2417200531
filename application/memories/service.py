"""A user's memories: create, update (and rename), delete, the on/off preference, and the
context they add to a chat turn, in LibreChat's words (packages/api/src/agents/memory.ts,
data-schemas methods/memory.ts). Each command loads the user's MemoryBook, decides, commits."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar
from uuid import UUID

from application.memories.ports import TokenCounter
from application.shared.store import EventStore, retry_on_conflict
from domain.memories.memory_book import Memory, MemoryBook
from domain.memories.rules import Limits, book_id, required
from domain.shared.errors import Invalid

T = TypeVar("T")

INSTRUCTIONS = (
    "The system automatically stores important user information and can update or delete "
    "memories based on user requests, enabling dynamic memory management."
)


class Memories:
    def __init__(
        self,
        store: EventStore,
        limits: Limits,
        tokens: TokenCounter,
        disabled: bool = False,
        may_use: Callable[[UUID], bool] | None = None,
    ) -> None:
        """`disabled`: LibreChat's `memory.disabled` (no memory reaches a model). `may_use`:
        whether the user's role grants MEMORIES USE (all may without it)."""
        self.store = store
        self.limits = limits
        self.tokens = tokens
        self.disabled = disabled
        self.may_use = may_use or (lambda _user: True)

    def book(self, user_id: UUID) -> MemoryBook | None:
        if not self.store.exists(book_id(user_id)):
            return None
        return self.store.load(MemoryBook, book_id(user_id))

    def enabled(self, user_id: UUID) -> bool:
        """The user's `personalization.memories` (on until they turn it off)."""
        book = self.book(user_id)
        return book.enabled if book is not None else True

    def create(self, user_id: UUID, key: object, value: object) -> Memory:
        key, value = required("Key", key), required("Value", value)
        count = self.tokens.count(value)
        return self._change(user_id, lambda b: b.create(key, value, count, self.limits))

    def update(self, user_id: UUID, key: str, new_key: object, value: object) -> Memory:
        value = required("Value", value)
        if new_key and not isinstance(new_key, str):  # LibreChat's schema refuses it as a key
            raise Invalid("Key must only contain lowercase letters and underscores")
        renamed = new_key if isinstance(new_key, str) and new_key else key
        count = self.tokens.count(value)
        return self._change(user_id, lambda b: b.update(key, renamed, value, count, self.limits))

    def delete(self, user_id: UUID, key: str) -> None:
        self._change(user_id, lambda b: b.delete(key))

    def use(self, user_id: UUID, enabled: bool) -> bool:
        self._change(user_id, lambda b: b.use(enabled))
        return enabled

    def context(self, user_id: UUID) -> str:
        """What a chat turn adds to the system prompt: LibreChat's memory instructions and the
        user's memories without keys, oldest first; empty when memories are off."""
        if self.disabled or not self.may_use(user_id):
            return ""
        book = self.book(user_id)
        if book is None or not book.enabled or not book.entries:
            return ""
        lines = [
            f"{n}. [{m.updated_at.strftime('%Y-%m-%d')}]. {m.value}"
            for n, m in enumerate(book.oldest_first(), start=1)
        ]
        return f"{INSTRUCTIONS}\n\n# Existing memory about the user:\n" + "\n\n".join(lines)

    def _change(self, user_id: UUID, decide: Callable[[MemoryBook], T]) -> T:
        def attempt() -> T:
            book = self.book(user_id) or MemoryBook.open(user_id)
            value = decide(book)
            self.store.commit(book, actor=user_id)
            return value

        return retry_on_conflict(attempt)
