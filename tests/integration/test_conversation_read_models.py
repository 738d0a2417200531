"""Conversation read models: keyset pages, transcripts, tags, deletes and rebuilds."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa

from domain.conversations.rules import NO_PARENT
from projections.conversations import queries

pytestmark = pytest.mark.parametrize("kind", ["sqlite", "postgres"])


def _chat(container: Any, user: uuid.UUID, title: str, turns: int = 1) -> uuid.UUID:
    cid = uuid.uuid4()
    container.conversations.start(user, cid, title=title, endpoint="openAI", model="gpt-4o")
    parent = NO_PARENT
    for i in range(turns):
        mid = uuid.uuid4()
        container.messages.post_message(
            user, cid, mid, parent, sender="User", is_created_by_user=True, text=f"q{i}"
        )
        parent = mid
    return cid


def _page(container: Any, user: uuid.UUID, **kw: Any) -> queries.Page:
    container.consistency.wait(user, ["conversation_list"])
    with container.db.connect() as conn:
        return queries.list_conversations(conn, queries.ListRequest(user_id=user, **kw))


def test_pages_cover_every_conversation_once_with_ties(
    kind: str, container_for: Callable[..., Any]
) -> None:
    # Given 7 conversations, all with the same title (ties on the sort key)
    container = container_for(kind, workers=True)
    user = uuid.uuid4()
    made = {_chat(container, user, "Same") for _ in range(7)}
    for sort_by in ("title", "updatedAt", "createdAt"):
        seen: list[str] = []
        cursor = None
        # When paging 3 at a time
        while True:
            page = _page(container, user, limit=3, sort_by=sort_by, cursor=cursor)
            seen += [r["conversation_id"] for r in page.rows]
            cursor = page.next_cursor
            if cursor is None:
                break
        # Then each conversation appears exactly once
        assert sorted(seen) == sorted(str(c) for c in made), sort_by


def test_another_users_conversations_are_not_listed(
    kind: str, container_for: Callable[..., Any]
) -> None:
    container = container_for(kind, workers=True)
    alice, bob = uuid.uuid4(), uuid.uuid4()
    _chat(container, alice, "Alice's")
    assert _page(container, bob).rows == []


def test_deleting_a_conversation_removes_it_from_every_read_model(
    kind: str, container_for: Callable[..., Any]
) -> None:
    container = container_for(kind, workers=True)
    user = uuid.uuid4()
    cid = _chat(container, user, "Doomed", turns=3)
    container.tags.set_tags(user, cid, ["work"])
    container.conversations.delete(user, [cid])
    container.consistency.wait(user, ["conversation_list", "transcript"])
    with container.db.connect() as conn:
        assert queries.transcript(conn, cid) == []
        assert queries.conversation_ids(conn, user) == []
        assert [t["count"] for t in queries.tags_with_counts(conn, user)] == [0]


def test_rebuilt_read_models_equal_the_incremental_ones(
    kind: str, container_for: Callable[..., Any]
) -> None:
    # Given conversations changed in many ways, projected incrementally
    container = container_for(kind, workers=True)
    user = uuid.uuid4()
    ids = [_chat(container, user, f"Chat {i}", turns=2) for i in range(4)]
    container.conversations.retitle(user, ids[0], "Renamed")
    container.conversations.pin(user, ids[1], True)
    container.conversations.archive(user, ids[2], True)
    container.tags.set_tags(user, ids[3], ["a", "b"])
    container.conversations.delete(user, [ids[0]])
    before = _snapshot(container, user)
    # When both projections are rebuilt from position 0
    for name in ("conversation_list", "transcript"):
        container.projections.start_rebuild(name)
        container.projections.catch_up(name)
        assert not container.projections.is_building(name)
    # Then every query answers the same
    assert _snapshot(container, user) == before


def _snapshot(container: Any, user: uuid.UUID) -> Any:
    container.consistency.wait(user, ["conversation_list", "transcript"])
    with container.db.connect() as conn:
        pages = [
            queries.list_conversations(
                conn, queries.ListRequest(user_id=user, archived=archived, sort_by=s)
            ).rows
            for archived in (False, True)
            for s in ("updatedAt", "title")
        ]
        messages = conn.execute(
            sa.select(queries.MESSAGES).order_by(queries.MESSAGES.c.message_id)
        ).all()
        return pages, [tuple(m) for m in messages], queries.tags_with_counts(conn, user)


def test_importing_the_same_file_twice_adds_nothing(
    kind: str, container_for: Callable[..., Any]
) -> None:
    import json
    from pathlib import Path

    container = container_for(kind, workers=True)
    user = uuid.uuid4()
    fixtures = Path(__file__).parent.parent / "fixtures" / "imports"
    for name in ("librechat.json", "chatgpt.json", "claude.json"):
        data = json.loads((fixtures / name).read_text())
        assert container.copies.import_export(user, data).value == 1
        assert container.copies.import_export(user, data).value == 0
    page = _page(container, user)
    assert sorted(r["title"] for r in page.rows) == [
        "Haiku about tea",
        "Packing list",
        "Rust lifetimes",
    ]


def test_sweep_candidates_are_only_conversations_whose_newest_message_is_the_users(
    kind: str, container_for: Callable[..., Any]
) -> None:
    from datetime import UTC, datetime, timedelta

    container = container_for(kind, workers=True)
    user = uuid.uuid4()
    # Given one conversation left on the user's question and one the model answered
    waiting = _chat(container, user, "waiting")
    answered = _chat(container, user, "answered")
    question = container.conversations.get(user, answered).ordered_messages()[-1].message_id
    container.messages.post_message(
        user, answered, uuid.uuid4(), question, sender="AI", is_created_by_user=False, text="a"
    )
    container.consistency.wait(user, ["conversation_list", "transcript"])
    # When the sweep asks for candidates
    now = datetime.now(UTC)
    with container.db.connect() as conn:
        found = queries.unanswered_between(conn, now - timedelta(hours=1), now)
    # Then only the unanswered one is loaded
    assert found == [(user, waiting)]
