"""The MemoryBook aggregate: unique keys, renames, limits in LibreChat's words, and a fold of
its events that rebuilds the same state."""

from __future__ import annotations

import uuid

import pytest

from domain.memories.memory_book import MemoryBook
from domain.memories.rules import Limits, book_id
from domain.shared.errors import Conflict, Invalid, NotFound

LIMITS = Limits(char_limit=20, token_limit=10)


def _book() -> MemoryBook:
    return MemoryBook.open(uuid.uuid4())


def test_keys_are_unique_and_renames_move_the_entry() -> None:
    book = _book()
    assert book.id == book_id(book.user_id)
    book.create(" food ", " ramen ", 2, LIMITS)
    assert book.entries["food"].value == "ramen"
    with pytest.raises(Conflict, match="already exists"):
        book.create("food", "soba", 1, LIMITS)
    book.create("pet", "cat", 1, LIMITS)
    with pytest.raises(Conflict):
        book.update("food", "pet", "udon", 1, LIMITS)
    book.update("food", "lunch", "udon ", 3, LIMITS)
    assert set(book.entries) == {"lunch", "pet"} and book.entries["lunch"].value == "udon "
    with pytest.raises(NotFound, match=r"Memory not found\."):
        book.update("food", "food", "x", 1, LIMITS)
    book.delete("pet")
    with pytest.raises(NotFound):
        book.delete("pet")
    folded = MemoryBook.project(None, book.collect_events())
    assert folded is not None and folded.entries == book.entries and folded.total_tokens() == 3


def test_limits_and_key_shape() -> None:
    book = _book()
    book.create("a", "x", 8, LIMITS)
    with pytest.raises(Invalid, match=r"exceed the token limit of 10\. Current usage: 8 tokens\."):
        book.create("b", "y", 3, LIMITS)
    with pytest.raises(Invalid, match="Value exceeds maximum length of 20 characters"):
        book.create("c", "z" * 21, 0, LIMITS)
    with pytest.raises(Invalid, match="Key exceeds maximum length of 1000 characters"):
        book.create("k" * 1001, "v", 0, LIMITS)
    for bad in ("Upper", "with-dash", "digits1", "nothing"):
        with pytest.raises(Invalid):
            book.create(bad, "v", 0, LIMITS)
    assert set(book.entries) == {"a"}


def test_preference_records_only_changes() -> None:
    book = _book()
    book.collect_events()
    book.use(True)
    assert book.collect_events() == []
    book.use(False)
    assert [type(e).__name__ for e in book.collect_events()] == ["MemoryPreferenceChanged"]
    assert book.enabled is False
