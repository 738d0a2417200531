"""A user's bookmark tags: creating, renaming, ordering and deleting them."""

from __future__ import annotations

import uuid

import pytest

from domain.conversations.tag_book import TagBook, tag_book_id
from domain.shared.errors import Conflict, Invalid, NotFound


def _book(*tags: str) -> TagBook:
    book = TagBook.open(uuid.uuid4())
    for tag in tags:
        book.create(tag)
    return book


def test_each_user_has_one_stable_tag_book() -> None:
    user = uuid.uuid4()
    assert TagBook.open(user).id == tag_book_id(user) == tag_book_id(user)
    assert tag_book_id(uuid.uuid4()) != tag_book_id(user)


def test_new_tags_are_placed_after_the_existing_ones() -> None:
    book = _book("work", "home")
    assert [book.get(t).position for t in ("work", "home")] == [0, 1]


def test_a_tag_is_stored_trimmed() -> None:
    book = _book("  work  ")
    assert list(book.tags) == ["work"]


def test_creating_an_existing_tag_conflicts() -> None:
    book = _book("work")
    with pytest.raises(Conflict, match="Tag already exists"):
        book.create(" work ")


def test_ensuring_an_existing_tag_records_nothing() -> None:
    book = _book("work")
    version = book.version
    book.ensure("work")
    assert book.version == version


def test_ensuring_a_missing_tag_creates_it() -> None:
    book = _book()
    book.ensure("work")
    assert "work" in book.tags


def test_renaming_a_tag_keeps_its_description_and_position() -> None:
    book = _book("home")
    book.create("work", description="office", position=5)
    renamed = book.update("work", "job", None, None)
    assert (renamed.tag, renamed.description, renamed.position) == ("job", "office", 5)
    assert "work" not in book.tags


def test_renaming_onto_another_tag_conflicts() -> None:
    book = _book("work", "home")
    with pytest.raises(Conflict, match="Tag already exists"):
        book.update("work", "home", None, None)
    assert set(book.tags) == {"work", "home"}


def test_updating_a_missing_tag_is_not_found() -> None:
    with pytest.raises(NotFound, match="Tag not found"):
        _book().update("work", "job", None, None)


def test_a_negative_position_is_rejected() -> None:
    book = _book("work")
    with pytest.raises(Invalid):
        book.update("work", None, None, -1)


def test_a_description_with_a_nul_is_rejected() -> None:
    with pytest.raises(Invalid, match="NUL"):
        _book().create("work", description="of\x00fice")


def test_deleting_a_tag_removes_it_and_returns_what_it_was() -> None:
    book = _book("work")
    deleted = book.delete("work")
    assert deleted.tag == "work" and book.tags == {}


def test_replaying_a_tag_books_events_rebuilds_its_tags() -> None:
    book = _book("work", "home")
    book.update("home", "house", "where I live", 0)
    book.delete("work")
    replayed = TagBook.project(None, book.collect_events())
    assert replayed is not None
    assert replayed.tags == book.tags and replayed.user_id == book.user_id
