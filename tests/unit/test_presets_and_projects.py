"""Preset books and chat projects: the rules LibreChat applies, folded back from events."""

from __future__ import annotations

import uuid

import pytest

from domain.conversations.presets import PresetBook
from domain.conversations.project import Project, project_key
from domain.shared.errors import Invalid, NotFound


def _refold(book: PresetBook) -> PresetBook:
    folded = PresetBook.project(None, book.collect_events())
    assert folded is not None
    return folded


def test_a_preset_book_folds_back_to_the_same_presets() -> None:
    book = PresetBook.open(uuid.uuid4())
    book.save("a", {"title": "A", "temperature": 1})
    book.save("b", {"model": "m"}, default=True)
    book.save("a", {"temperature": 0.5}, default=True)
    book.save("b", {}, new_preset_id="c")
    assert _refold(book).presets == book.presets
    assert book.presets["a"] == {
        "title": "A",
        "temperature": 0.5,
        "defaultPreset": True,
        "order": 0,
    }
    assert book.presets["c"] == {"title": "New Chat", "model": "m"}


def test_undeclared_preset_fields_are_dropped_and_bad_ones_refused() -> None:
    book = PresetBook.open(uuid.uuid4())
    assert "user" not in book.save("a", {"user": "someone", "title": "T"})
    with pytest.raises(Invalid, match="temperature must be a number"):
        book.save("a", {"temperature": True})
    with pytest.raises(Invalid, match="presetId"):
        book.save("", {})


def test_deleting_without_an_id_deletes_every_preset() -> None:
    book = PresetBook.open(uuid.uuid4())
    for preset_id in ("x", "y"):
        book.save(preset_id, {})
    assert book.delete("missing") == 0
    assert book.delete(None) == 2
    assert _refold(book).presets == {}


def test_a_project_id_names_a_project_of_its_owner_only() -> None:
    alice, bob = uuid.uuid4(), uuid.uuid4()
    pid = "a" * 24
    assert project_key(alice, pid) == project_key(alice, pid.upper()) != project_key(bob, pid)
    with pytest.raises(NotFound):
        project_key(alice, "not-an-object-id")


def test_project_names_are_trimmed_cut_and_required() -> None:
    project = Project.create(uuid.uuid4(), "b" * 24, "  " + "n" * 120, 42)
    assert (len(project.name), project.description) == (100, "")
    with pytest.raises(Invalid, match="name is required"):
        project.update(name="   ")
    project.update(description=" notes ")
    assert project.description == "notes"
