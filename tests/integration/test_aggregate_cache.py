"""The aggregate cache: a load forks the kept state and folds in what was recorded since, so
it never serves a stale or half-changed conversation, in one process or across several."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from eventsourcing.persistence import IntegrityError

from api.conversations.presenters import conversation_json
from domain.conversations.conversation import Conversation
from domain.conversations.rules import NO_PARENT
from domain.shared.errors import Invalid

pytestmark = pytest.mark.parametrize("kind", ["sqlite", "postgres"])


def _post(store: Any, convo_id: uuid.UUID, text: str) -> uuid.UUID:
    convo = store.load(Conversation, convo_id)
    message = uuid.uuid4()
    parents = [m.message_id for m in convo.ordered_messages()]
    convo.post(
        message,
        parents[-1] if parents else NO_PARENT,
        sender="User",
        is_created_by_user=True,
        text=text,
    )
    store.commit(convo)
    return message


def _fresh(store: Any, convo_id: uuid.UUID) -> dict[str, Any]:
    """What the store holds, read without the cache."""
    return conversation_json(store._reconstruct(Conversation, convo_id, None))


def test_a_second_load_decrypts_nothing_when_nothing_changed(
    kind: str, container_for: Callable[..., Any]
) -> None:
    store = container_for(kind).stores["conversations"]
    convo = Conversation.start(uuid.uuid4(), uuid.uuid4(), title="Cached")
    store.commit(convo)
    _post(store, convo.id, "hello")
    decoded: list[object] = []
    to_domain_event = store.mapper.to_domain_event

    def counting(stored: Any) -> Any:
        decoded.append(stored)
        return to_domain_event(stored)

    store.mapper.to_domain_event = counting
    loaded = store.load(Conversation, convo.id)
    assert decoded == []
    assert [m.text for m in loaded.ordered_messages()] == ["hello"]


def test_writes_by_another_process_are_folded_in(
    kind: str, container_for: Callable[..., Any]
) -> None:
    # Two processes on one database, both caching the conversation
    ours = container_for(kind).stores["conversations"]
    theirs = container_for(kind).stores["conversations"]
    convo = Conversation.start(uuid.uuid4(), uuid.uuid4(), title="Shared")
    ours.commit(convo)
    assert ours.load(Conversation, convo.id).messages == {}
    theirs.load(Conversation, convo.id)
    # The other process posts twice and retitles
    _post(theirs, convo.id, "one")
    _post(theirs, convo.id, "two")
    other = theirs.load(Conversation, convo.id)
    other.retitle("Renamed")
    theirs.commit(other)
    # Ours sees all of it, and deciding on it lands at the right version
    loaded = ours.load(Conversation, convo.id)
    assert loaded.title == "Renamed"
    assert [m.text for m in loaded.ordered_messages()] == ["one", "two"]
    _post(ours, convo.id, "three")
    assert conversation_json(theirs.load(Conversation, convo.id)) == _fresh(ours, convo.id)
    assert conversation_json(ours.load(Conversation, convo.id)) == _fresh(ours, convo.id)


def test_a_command_that_fails_or_conflicts_leaves_the_cache_as_stored(
    kind: str, container_for: Callable[..., Any]
) -> None:
    ours = container_for(kind).stores["conversations"]
    theirs = container_for(kind).stores["conversations"]
    convo = Conversation.start(uuid.uuid4(), uuid.uuid4(), title="Before")
    ours.commit(convo)
    # A decision that changed its copy and then failed, never saved
    copy = ours.load(Conversation, convo.id)
    copy.retitle("Never saved")
    copy.post(uuid.uuid4(), NO_PARENT, sender="User", is_created_by_user=True, text="unsaved")
    with pytest.raises(Invalid):
        copy.give_feedback(uuid.uuid4(), {"rating": "sideways"})
    kept = ours.load(Conversation, convo.id)
    assert (kept.title, kept.messages, kept.version) == ("Before", {}, 1)
    # A save that lost the race to another process
    stale = ours.load(Conversation, convo.id)
    _post(theirs, convo.id, "theirs")
    stale.retitle("Lost")
    with pytest.raises(IntegrityError):
        ours.commit(stale)
    loaded = ours.load(Conversation, convo.id)
    assert loaded.title == "Before"
    assert [m.text for m in loaded.ordered_messages()] == ["theirs"]
    assert conversation_json(loaded) == _fresh(ours, convo.id)


def test_destroying_a_key_drops_what_the_cache_decrypted(
    kind: str, container_for: Callable[..., Any]
) -> None:
    container = container_for(kind)
    store = container.stores["conversations"]
    owner = uuid.uuid4()
    convo = Conversation.start(uuid.uuid4(), owner, title="Private")
    store.commit(convo)
    _post(store, convo.id, "secret")
    assert [m.text for m in store.load(Conversation, convo.id).ordered_messages()] == ["secret"]
    container.keystore.destroy(owner)
    loaded = store.load(Conversation, convo.id)
    assert "secret" not in [m.text for m in loaded.ordered_messages()]
    assert loaded.title != "Private"


def test_entries_expire_with_the_key_cache(kind: str, container_for: Callable[..., Any]) -> None:
    store = container_for(kind).stores["conversations"]
    convo = Conversation.start(uuid.uuid4(), uuid.uuid4())
    store.commit(convo)
    assert store.cache.get(convo.id) is not None
    store.cache.ttl = 0.0
    assert store.cache.get(convo.id) is None
