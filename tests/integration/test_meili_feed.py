"""The Meilisearch feed: its own position, nothing lost while the server is down, a reindex
that swaps fresh indexes in. Against tests/fakes/meili_server.py through the official client
(the conformance suite covers what a search finds)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any
from uuid import UUID

import pytest

from domain.shared.errors import Unavailable
from tests.fakes.meili_server import FakeMeili, fake_meili

NO_PARENT = UUID(int=0)


@pytest.fixture
def meili(container_for: Callable[..., Any]) -> Iterator[tuple[Any, FakeMeili]]:
    with fake_meili() as (url, server):
        container = container_for(
            "sqlite", search_backend="meilisearch", meili_host=url, meili_index_prefix="f_"
        )
        yield container, server


def _post(container: Any, user: UUID, cid: UUID, text: str) -> None:
    container.messages.post_message(
        user, cid, uuid.uuid4(), NO_PARENT, sender="User", is_created_by_user=True, text=text
    )


def _texts(server: FakeMeili) -> set[str]:
    return {d["text"] for d in server.indexes["f_messages"].docs.values()}


def test_changes_made_while_meilisearch_is_down_arrive_when_it_is_back(
    meili: tuple[Any, FakeMeili],
) -> None:
    container, server = meili
    user, cid = uuid.uuid4(), uuid.uuid4()
    container.conversations.start(user, cid, title="Feed")
    _post(container, user, cid, "first puffin")
    container.projections.catch_up("search")
    assert _texts(server) == {"first puffin"}
    server.down = True
    _post(container, user, cid, "second puffin")
    container.projections.catch_up("search")  # the feed fails and is logged; nothing moves
    assert container.search.enabled() is False
    with pytest.raises(Unavailable):
        container.search.messages(user, "puffin", 10)
    server.down = False
    assert container.search_feed.sync() == 1
    assert _texts(server) == {"first puffin", "second puffin"}
    assert container.search_feed.sync() == 0  # applied once: the outbox is pruned


def test_reindex_swaps_in_fresh_indexes_with_every_document(
    meili: tuple[Any, FakeMeili],
) -> None:
    container, server = meili
    user, cid = uuid.uuid4(), uuid.uuid4()
    container.conversations.start(user, cid, title="Many puffins")
    for i in range(3):
        _post(container, user, cid, f"puffin {i}")
    container.projections.catch_up("search")
    server.indexes["f_messages"].docs.clear()  # an index lost or wiped
    seen: list[tuple[int, int]] = []
    assert container.search_feed.reindex(lambda done, total: seen.append((done, total))) == 4
    assert _texts(server) == {"puffin 0", "puffin 1", "puffin 2"}
    assert [d["title"] for d in server.indexes["f_convos"].docs.values()] == ["Many puffins"]
    assert seen[-1] == (4, 4)
    assert not {"f_messages_reindex", "f_convos_reindex"} & server.indexes.keys()
    assert server.indexes["f_messages"].filterable == ["user", "conversationId", "messageId"]
    assert server.indexes["f_messages"].searchable == ["text"]


def test_a_message_id_another_user_chose_too_is_a_separate_document(
    meili: tuple[Any, FakeMeili],
) -> None:
    container, server = meili
    mine, theirs = uuid.uuid4(), uuid.uuid4()
    message = uuid.uuid4()
    for user, text in ((mine, "my heron"), (theirs, "their heron")):
        cid = uuid.uuid4()
        container.conversations.start(user, cid)
        container.messages.post_message(
            user, cid, message, NO_PARENT, sender="User", is_created_by_user=True, text=text
        )
    container.projections.catch_up("search")
    assert _texts(server) == {"my heron", "their heron"}
    [hit] = container.search.messages(mine, "heron", 10).hits
    assert hit.message_id == str(message)


def test_one_feeder_at_a_time_writes(meili: tuple[Any, FakeMeili]) -> None:
    from infrastructure.search.meili import MeiliFeeder, client
    from projections.search.documents import SearchProjection

    container, server = meili
    user, cid = uuid.uuid4(), uuid.uuid4()
    container.conversations.start(user, cid)
    container.projections.catch_up("search")
    other = MeiliFeeder(
        container.db, client(container.settings.meili_host, ""), SearchProjection(), "f_"
    )
    with other._state.held() as mine:  # another worker is feeding
        assert mine
        _post(container, user, cid, "a late kestrel")
        container.projections.catch_up("search")
        assert container.search_feed.sync() == 0  # it leaves the change to the holder
    assert container.search_feed.sync() == 1
    assert _texts(server) == {"a late kestrel"}
