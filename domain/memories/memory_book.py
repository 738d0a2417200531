"""The MemoryBook aggregate: one user's memories (unique keys) and whether they are used."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from domain.memories.events import (
    MemoryBookOpened,
    MemoryCreated,
    MemoryDeleted,
    MemoryPreferenceChanged,
    MemoryUpdated,
)
from domain.memories.rules import Limits, book_id, check_key, check_key_length, check_value
from domain.shared.aggregate import Aggregate, applies
from domain.shared.errors import Conflict, Invalid, NotFound


@dataclass(frozen=True)
class Memory:
    key: str
    value: str
    token_count: int
    updated_at: datetime


class MemoryBook(Aggregate):
    user_id: UUID
    entries: dict[str, Memory]
    enabled: bool

    @classmethod
    def open(cls, user_id: UUID) -> MemoryBook:
        book = cls(book_id(user_id))
        book._record(MemoryBookOpened, user_id=user_id)
        return book

    # ------------------------------------------------------------ commands
    def create(self, key: str, value: str, token_count: int, limits: Limits) -> Memory:
        """LibreChat's order: the key's length, the value's, the token limit, then the key's
        shape and uniqueness; the key and value are kept trimmed."""
        check_key_length(key)
        check_value(value, limits)
        if limits.token_limit is not None:
            used = self.total_tokens()
            if used + token_count > limits.token_limit:
                raise Invalid(
                    f"Adding this memory would exceed the token limit of {limits.token_limit}. "
                    f"Current usage: {used} tokens."
                )
        key = check_key(key.strip())
        if key in self.entries:
            raise Conflict("Memory with this key already exists.")
        self._record(
            MemoryCreated,
            user_id=self.user_id,
            key=key,
            value=value.strip(),
            token_count=token_count,
        )
        return self.entries[key]

    def update(
        self, key: str, new_key: str, value: str, token_count: int, limits: Limits
    ) -> Memory:
        """A new value, renamed when `new_key` differs (LibreChat keeps the value as sent)."""
        check_key_length(new_key)
        check_value(value, limits)
        if key not in self.entries:
            raise NotFound("Memory not found.")
        if new_key != key:
            if new_key in self.entries:
                raise Conflict("Memory with this key already exists.")
            check_key(new_key)
        self._record(
            MemoryUpdated,
            user_id=self.user_id,
            key=key,
            new_key=new_key,
            value=value,
            token_count=token_count,
        )
        return self.entries[new_key]

    def delete(self, key: str) -> None:
        if key not in self.entries:
            raise NotFound("Memory not found.")
        self._record(MemoryDeleted, user_id=self.user_id, key=key)

    def use(self, enabled: bool) -> None:
        if enabled != self.enabled:
            self._record(MemoryPreferenceChanged, user_id=self.user_id, enabled=enabled)

    # --------------------------------------------------------------- reads
    def total_tokens(self) -> int:
        return sum(m.token_count for m in self.entries.values())

    def oldest_first(self) -> list[Memory]:
        return sorted(self.entries.values(), key=lambda m: (m.updated_at, m.key))

    # ------------------------------------------------------------ appliers
    @applies(MemoryBookOpened)
    def _opened(self, event: MemoryBookOpened) -> None:
        self.user_id, self.entries, self.enabled = event.user_id, {}, True

    @applies(MemoryCreated)
    def _created(self, event: MemoryCreated) -> None:
        self.entries = {**self.entries, event.key: _memory(event)}

    @applies(MemoryUpdated)
    def _updated(self, event: MemoryUpdated) -> None:
        entries = {k: v for k, v in self.entries.items() if k != event.key}
        entries[event.new_key] = Memory(
            event.new_key, event.value, event.token_count, event.timestamp
        )
        self.entries = entries

    @applies(MemoryDeleted)
    def _deleted(self, event: MemoryDeleted) -> None:
        self.entries = {k: v for k, v in self.entries.items() if k != event.key}

    @applies(MemoryPreferenceChanged)
    def _preference(self, event: MemoryPreferenceChanged) -> None:
        self.enabled = event.enabled


def _memory(event: Any) -> Memory:
    return Memory(event.key, event.value, event.token_count, event.timestamp)
