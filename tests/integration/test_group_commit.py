"""Group commit keeps every per-save guarantee under heavy concurrency (PostgreSQL)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from typing import Any

from application.shared.store import retry_on_conflict
from domain.conversations.conversation import Conversation
from domain.conversations.rules import NO_PARENT
from infrastructure.eventstore.chain import verify


def test_concurrent_saves_each_get_their_own_result(container_for: Callable[..., Any]) -> None:
    # Given 24 writers: most create their own conversations, some fight over shared ones
    container = container_for("postgres")
    store = container.stores["conversations"]
    owner = uuid.uuid4()
    shared = [Conversation.start(uuid.uuid4(), owner) for _ in range(3)]
    store.commit(*shared)
    positions: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def own_writer() -> None:
        for _ in range(15):
            convo = Conversation.start(uuid.uuid4(), owner)
            position = store.commit(convo)
            with lock:
                positions.append(position.notification_id)

    def shared_writer(index: int) -> None:
        for _ in range(10):

            def post() -> None:
                convo = store.load(Conversation, shared[index % 3].id)
                convo.post(
                    uuid.uuid4(), NO_PARENT, sender="User", is_created_by_user=True, text="x"
                )
                store.commit(convo)

            retry_on_conflict(post, attempts=50)

    def guarded(target: Callable[..., None], *args: Any) -> None:
        try:
            target(*args)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=guarded, args=(own_writer,)) for _ in range(18)]
    threads += [threading.Thread(target=guarded, args=(shared_writer, i)) for i in range(6)]
    # When they all write at once
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    # Then nothing failed, every save got distinct positions, no post was lost or doubled
    assert errors == []
    assert len(positions) == len(set(positions)) == 18 * 15
    posted = sum(len(store.load(Conversation, c.id).messages) for c in shared)
    assert posted == 6 * 10
    for convo in shared:
        loaded = store.load(Conversation, convo.id)
        versions = [e.originator_version for e in store.events.get(convo.id)]
        assert versions == list(range(1, loaded.version + 1))
    # And the hash chain covers exactly the committed records, in order
    report = verify(store.recorder)
    assert report.ok and report.checked == 3 + 18 * 15 + 6 * 10
