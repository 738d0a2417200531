"""The KeyRing aggregate: one key per name, bounded text, removals that record only changes,
and the same state when rebuilt from its events."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from domain.keys.events import UserKeyRemoved, UserKeysCleared, UserKeySet
from domain.keys.ring import MAX_NAME, MAX_VALUE, KeyRing, ring_id
from domain.shared.errors import Invalid

USER = uuid.UUID("11111111-2222-3333-4444-555555555555")


def test_a_key_is_replaced_by_name_and_rebuilds_from_its_events() -> None:
    ring = KeyRing.create(USER)
    later = datetime.now(UTC) + timedelta(hours=1)
    ring.set("groq", '{"apiKey": "a"}', None)
    ring.set("groq", '{"apiKey": "b"}', later)
    ring.set("other", "x", None)
    events = ring.collect_events()
    assert [type(e) for e in events] == [UserKeySet] * 3
    assert ring.id == ring_id(USER) and all(e.user_id == USER for e in events)
    rebuilt = KeyRing.project(None, events)
    assert rebuilt is not None and rebuilt.keys == ring.keys
    assert rebuilt.keys["groq"].value == '{"apiKey": "b"}'
    assert rebuilt.keys["groq"].expires_at == later
    assert not rebuilt.keys["groq"].expired(datetime.now(UTC))
    assert rebuilt.keys["groq"].expired(later)


def test_removing_what_is_not_there_records_nothing() -> None:
    ring = KeyRing.create(USER)
    assert ring.remove("none") is False and ring.clear() is False
    ring.set("a", "1", None)
    assert ring.remove("a") is True and ring.remove("a") is False
    ring.set("b", "2", None)
    assert ring.clear() is True and ring.keys == {}
    kinds = [type(e) for e in ring.collect_events()]
    assert kinds == [UserKeySet, UserKeyRemoved, UserKeySet, UserKeysCleared]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("", "v"),
        ("  ", "v"),
        ("n" * (MAX_NAME + 1), "v"),
        ("n\x00", "v"),
        ("n", ""),
        ("n", "v" * (MAX_VALUE + 1)),
        ("n", "v\x00"),
    ],
)
def test_names_and_values_are_text_a_read_model_can_hold(name: str, value: str) -> None:
    ring = KeyRing.create(USER)
    with pytest.raises(Invalid):
        ring.set(name, value, None)
    assert ring.collect_events() == [] and ring.keys == {}
