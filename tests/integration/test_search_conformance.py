"""One conformance suite for every search backend: SQLite FTS5 and PostgreSQL full-text always,
Meilisearch when MEILI_URL names a server (skipped with that reason otherwise). The
`meilisearch-fake` run drives the same adapter, through the official client, against
tests/fakes/meili_server.py: it checks what the adapter sends (filters, deletes, swaps, paging),
not Meilisearch's ranking, which only the real server can.

Each test writes through the application services (events), lets the search projection catch
up (which also feeds Meilisearch), and asks `container.search` as the API does."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from typing import Any
from uuid import UUID

import pytest

from application.bootstrap import Container
from tests.fakes.meili_server import fake_meili

NO_PARENT = UUID(int=0)
MEILI_URL = os.environ.get("MEILI_URL", "")


@pytest.fixture(params=["sqlite", "postgres", "meilisearch", "meilisearch-fake"])
def search(request: pytest.FixtureRequest, container_for: Callable[..., Any]) -> Iterator[Index]:
    if request.param == "meilisearch-fake":
        with fake_meili() as (url, _server):
            yield Index(_meili_container(container_for, url, ""))
        return
    if request.param == "meilisearch":
        if not MEILI_URL:
            pytest.skip("MEILI_URL is not set: no Meilisearch server to run the suite against")
        key = os.environ.get("MEILI_MASTER_KEY", "")
        yield Index(_meili_container(container_for, MEILI_URL, key))
        return
    container = container_for(request.param)
    assert container.search.index.backend == request.param
    yield Index(container)


def _meili_container(container_for: Callable[..., Any], url: str, key: str) -> Any:
    container = container_for(
        "sqlite",
        search_backend="meilisearch",
        meili_host=url,
        meili_master_key=key,
        meili_index_prefix=f"t{uuid.uuid4().hex[:12]}_",
    )
    assert container.search.index.backend == "meilisearch"
    return container


class Index:
    """Writes as a user would, then searches as the API does."""

    def __init__(self, container: Container) -> None:
        self.c = container
        self._users = 0

    def user(self) -> UUID:
        self._users += 1
        done = self.c.identity.register(
            name="Searcher",
            email=f"searcher{self._users}-{uuid.uuid4().hex[:6]}@example.com",
            password="correct horse battery",
            confirm="correct horse battery",
        )
        assert done.user_id is not None
        return done.user_id

    def chat(
        self, user: UUID, *texts: str, title: str = "New Chat", temporary: bool = False
    ) -> UUID:
        cid = uuid.uuid4()
        self.c.conversations.start(user, cid, title=title, temporary=temporary)
        for text in texts:
            self.post(user, cid, text)
        return cid

    def post(self, user: UUID, cid: UUID, text: str) -> UUID:
        mid = uuid.uuid4()
        self.c.messages.post_message(
            user, cid, mid, NO_PARENT, sender="User", is_created_by_user=True, text=text
        )
        return mid

    def find(self, user: UUID, text: str, limit: int = 20, offset: int = 0) -> list[str]:
        """The texts of the hits, best first."""
        self.c.projections.catch_up("search")
        page = self.c.search.messages(user, text, limit, offset)
        texts = {}
        for cid in {h.conversation_id for h in page.hits}:
            convo = self.c.conversations.get(user, UUID(cid))
            texts |= {str(m.message_id): m.text for m in convo.messages.values()}
        return [texts[h.message_id] for h in page.hits]

    def page(self, user: UUID, text: str, limit: int, offset: int) -> tuple[list[str], int | None]:
        self.c.projections.catch_up("search")
        page = self.c.search.messages(user, text, limit, offset)
        return [h.message_id for h in page.hits], page.next_offset

    def titles(self, user: UUID, text: str) -> set[str]:
        self.c.projections.catch_up("search")
        ids = self.c.search.conversations(user, text)
        return {self.c.conversations.get(user, UUID(i)).title for i in ids}


def test_exact_words_rank_above_partial_matches(search: Index) -> None:
    # the exact match is the oldest and the longest: neither recency nor length favours it
    user = search.user()
    exact = "yesterday evening the old cat sat quietly on the warm kitchen mat by the door"
    search.chat(user, exact)
    search.chat(user, "category theory", "a catalogue of catapults")
    hits = search.find(user, "cat")
    assert hits[0] == exact
    assert set(hits) == {exact, "category theory", "a catalogue of catapults"}


def test_a_prefix_finds_longer_words(search: Index) -> None:
    user = search.user()
    search.chat(user, "Photosynthesis converts light", "nothing to see")
    assert search.find(user, "photosyn") == ["Photosynthesis converts light"]
    assert search.find(user, "PHOTO") == ["Photosynthesis converts light"]


def test_diacritics_match_either_way(search: Index) -> None:
    user = search.user()
    search.chat(user, "Un café crème à Zürich", "a plain cafe downtown")
    assert set(search.find(user, "cafe")) == {"Un café crème à Zürich", "a plain cafe downtown"}
    assert set(search.find(user, "café")) == {"Un café crème à Zürich", "a plain cafe downtown"}
    assert search.find(user, "zurich creme") == ["Un café crème à Zürich"]


def test_every_word_must_match(search: Index) -> None:
    user = search.user()
    search.chat(user, "red apples and green pears", "red cars")
    assert search.find(user, "red pears") == ["red apples and green pears"]


def test_a_deleted_message_is_not_found(search: Index) -> None:
    user = search.user()
    cid = search.chat(user, "keep this zebra")
    gone = search.post(user, cid, "delete this zebra")
    assert len(search.find(user, "zebra")) == 2
    search.c.messages.delete_message(user, cid, gone)
    assert search.find(user, "zebra") == ["keep this zebra"]


def test_an_edited_message_is_found_by_its_new_words_only(search: Index) -> None:
    user = search.user()
    cid = search.chat(user)
    mid = search.post(user, cid, "original wording here")
    assert search.find(user, "original") == ["original wording here"]
    search.c.messages.edit_message(user, cid, mid, "rewritten sentence")
    assert search.find(user, "original") == []
    assert search.find(user, "rewritten") == ["rewritten sentence"]


def test_a_deleted_conversation_leaves_nothing_to_find(search: Index) -> None:
    user = search.user()
    cid = search.chat(user, "giraffe one", "giraffe two", title="Giraffe facts")
    search.chat(user, "giraffe elsewhere")
    search.c.conversations.delete(user, [cid])
    assert search.find(user, "giraffe") == ["giraffe elsewhere"]
    assert search.titles(user, "giraffe") == set()


def test_a_deleted_user_leaves_nothing_to_find(search: Index) -> None:
    user, other = search.user(), search.user()
    search.chat(user, "walrus tusks", title="Walrus")
    search.chat(other, "walrus of the other")
    search.c.projections.catch_up("search")
    search.c.identity.delete_account(user)
    search.c.projections.catch_up("search")
    assert search.c.search.messages(user, "walrus", 20).hits == []
    assert search.c.search.conversations(user, "walrus") == []
    assert search.find(other, "walrus") == ["walrus of the other"]


def test_users_find_only_their_own(search: Index) -> None:
    alice, bob = search.user(), search.user()
    search.chat(alice, "alice's secret pelican", title="Pelican plans")
    search.chat(bob, "bob's public pelican", title="Pelican notes")
    assert search.find(alice, "pelican") == ["alice's secret pelican"]
    assert search.find(bob, "pelican") == ["bob's public pelican"]
    assert search.titles(alice, "pelican") == {"Pelican plans"}
    assert search.titles(bob, "pelican") == {"Pelican notes"}


def test_temporary_chats_are_not_indexed(search: Index) -> None:
    user = search.user()
    search.chat(user, "ephemeral otter", title="Otter", temporary=True)
    search.chat(user, "lasting otter")
    assert search.find(user, "otter") == ["lasting otter"]
    assert search.titles(user, "otter") == set()


def test_pages_cover_every_hit_once(search: Index) -> None:
    user = search.user()
    cid = search.chat(user)
    posted = {str(search.post(user, cid, f"lemur number {i}")) for i in range(7)}
    seen: list[str] = []
    offset: int | None = 0
    pages = 0
    while offset is not None:
        ids, offset = search.page(user, "lemur", 3, offset)
        seen += ids
        pages += 1
    assert pages == 3
    assert len(seen) == 7 and set(seen) == posted


def test_conversations_are_found_by_title_and_tags(search: Index) -> None:
    user = search.user()
    cid = search.chat(user, "hello", title="Trip to Lisbon")
    other = search.chat(user, "hello", title="Groceries")
    search.c.tags.set_tags(user, other, ["holiday"])
    assert search.titles(user, "lisbon") == {"Trip to Lisbon"}
    assert search.titles(user, "holiday") == {"Groceries"}
    search.c.conversations.retitle(user, cid, "Trip to Porto")
    assert search.titles(user, "lisbon") == set()
    assert search.titles(user, "porto") == {"Trip to Porto"}


def test_words_never_match_the_owner_or_the_query_syntax(search: Index) -> None:
    user = search.user()
    search.chat(user, "owner text AND NOT OR near", "plain words")
    assert search.find(user, user.hex[:8]) == []  # the owner token is not searchable text
    assert search.find(user, "owner") == ["owner text AND NOT OR near"]
    assert search.find(user, 'NOT "near" *') == ["owner text AND NOT OR near"]
