"""Saving and deleting a user's presets: decisions on their preset book."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from uuid import UUID

from application.conversations.conversations import Done
from application.shared.store import EventStore, retry_on_conflict
from domain.conversations.presets import PresetBook, preset_book_id

T = TypeVar("T")


class Presets:
    def __init__(self, store: EventStore) -> None:
        self.store = store

    def save(
        self,
        user_id: UUID,
        preset_id: str,
        fields: dict[str, Any],
        default: bool | None = None,
        new_preset_id: str | None = None,
    ) -> Done:
        """The value is the preset as saved (LibreChat's fields, `presetId` not included)."""
        return self._edit(user_id, lambda b: b.save(preset_id, fields, default, new_preset_id))

    def delete(self, user_id: UUID, preset_id: str | None) -> Done:
        """The value is how many presets were deleted (all of them without a `preset_id`)."""
        return self._edit(user_id, lambda b: b.delete(preset_id))

    def _edit(self, user_id: UUID, decide: Callable[[PresetBook], T]) -> Done:
        def attempt() -> Done:
            book = self._book(user_id)
            value = decide(book)
            return Done(value, self.store.commit(book, actor=user_id))

        return retry_on_conflict(attempt)

    def _book(self, user_id: UUID) -> PresetBook:
        book_id = preset_book_id(user_id)
        if not self.store.exists(book_id):
            return PresetBook.open(user_id)
        return self.store.load(PresetBook, book_id)
