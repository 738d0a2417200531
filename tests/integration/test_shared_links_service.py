"""The shared-link commands against the real stores: concurrent creates of one link, and a
link whose grants fail is not kept (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from domain.conversations.conversation import Conversation
from domain.conversations.rules import NO_PARENT
from domain.shared.errors import Conflict


def _conversation(container: Any, user: uuid.UUID) -> tuple[uuid.UUID, uuid.UUID]:
    conversation = Conversation.start(uuid.uuid4(), user)
    message = uuid.uuid4()
    conversation.post(message, NO_PARENT, sender="User", is_created_by_user=True, text="hi")
    container.stores["conversations"].commit(conversation, actor=user)
    return conversation.id, message


@pytest.mark.parametrize("kind", ["sqlite", "distributed"])
def test_concurrent_creates_of_one_link_leave_one(
    container_for: Callable[..., Any], kind: str
) -> None:
    container = container_for(kind, workers=True)
    user = uuid.uuid4()
    cid, message = _conversation(container, user)
    outcomes: list[object] = []
    start = threading.Barrier(4)

    def create() -> None:
        start.wait()
        try:
            outcomes.append(
                container.shared_links.create(
                    user, str(cid), str(message), snapshot_files=True, public=True
                )
            )
        except Conflict as error:
            outcomes.append(error)

    threads = [threading.Thread(target=create) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    conflicts = [o for o in outcomes if isinstance(o, Conflict)]
    assert len(outcomes) == 4 and len(conflicts) == 3
    assert {str(c) for c in conflicts} == {"Share already exists"}


@pytest.mark.parametrize("kind", ["sqlite", "distributed"])
def test_a_link_whose_grants_fail_is_retracted(
    container_for: Callable[..., Any], kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    container = container_for(kind, workers=True)
    user = uuid.uuid4()
    cid, _ = _conversation(container, user)
    before = container.stores["sharing"].head()

    def refuse(*_args: object) -> None:
        raise RuntimeError("the ACL store is down")

    monkeypatch.setattr(container.permissions, "grant", refuse)  # the public grant fails
    with pytest.raises(RuntimeError):
        container.shared_links.create(user, str(cid), None, snapshot_files=True, public=True)
    container.projections.catch_up("shared_links")
    with container.reads.connect() as conn:
        from projections.sharing import queries

        assert queries.link_for_conversation(conn, user, str(cid)) is None
    assert container.stores["sharing"].head() > before  # created, then retracted (events)
    # and it may be shared once the grants work again
    monkeypatch.undo()
    link = container.shared_links.create(user, str(cid), None, snapshot_files=True, public=True)
    assert link.live
