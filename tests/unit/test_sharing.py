"""Which messages a shared link shows, where a re-publish moves its target, and the
SharedLink aggregate's rules (LibreChat's share.ts)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from domain.shared.errors import Conflict, Invalid, NotFound
from domain.sharing.branches import NO_PARENT, Node, branch_tail, path_to, up_to_target
from domain.sharing.link import SharedLink, link_id

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _tree(*edges: tuple[str, str]) -> list[Node]:
    """Nodes (id, parent) created in the order given."""
    return [Node(i, p, T0 + timedelta(seconds=n)) for n, (i, p) in enumerate(edges)]


# q1 → a1 → q2 → a2, and a regeneration a1' of q1 continued by q3
TREE = _tree(
    ("q1", NO_PARENT), ("a1", "q1"), ("q2", "a1"), ("a2", "q2"), ("a1b", "q1"), ("q3", "a1b")
)


def test_up_to_target_keeps_every_branch_no_deeper_than_the_target() -> None:
    assert [n.id for n in up_to_target(TREE, "a1")] == ["q1", "a1", "a1b"]
    assert [n.id for n in up_to_target(TREE, "q1")] == ["q1"]
    assert [n.id for n in up_to_target(TREE, "q2")] == ["q1", "a1", "q2", "a1b", "q3"]


def test_up_to_target_fails_closed() -> None:
    assert up_to_target(TREE, "missing") == []
    orphan = _tree(("q1", NO_PARENT), ("x", "gone"))
    assert up_to_target(orphan, "x") == []  # unreachable from a root: never the whole chat


def test_branch_tail_walks_to_the_newest_descendant() -> None:
    assert branch_tail(TREE, "q2") == "a2"
    assert branch_tail(TREE, "q1") == "q3"  # the newest child (the regeneration) and on
    # a2 is childless and its branch was regenerated away from higher up (a1 → a1b, newer,
    # continued): the walk resumes there, as LibreChat's findBranchReplacement climbs
    assert branch_tail(TREE, "a2") == "q3"
    assert branch_tail(TREE[:4], "a2") == "a2"


def test_a_childless_target_hops_to_the_newer_sibling_the_chat_continued_under() -> None:
    tree = _tree(("q1", NO_PARENT), ("a1", "q1"), ("a1b", "q1"), ("q2", "a1b"), ("a2", "q2"))
    assert branch_tail(tree, "a1") == "a2"
    # an older sibling with follow-ups is the branch the target was regenerated away from
    older = _tree(("q1", NO_PARENT), ("a1", "q1"), ("q2", "a1"), ("a1b", "q1"))
    assert branch_tail(older, "a1b") == "a1b"


def test_path_to_is_the_tip_and_its_ancestors_root_first() -> None:
    assert [n.id for n in path_to(TREE, "q3")] == ["q1", "a1b", "q3"]
    assert path_to(TREE, "missing") == []


def _published(user: uuid.UUID, conversation: uuid.UUID, ids: list[uuid.UUID]) -> SharedLink:
    link = SharedLink.blank(user, conversation, None)
    link.publish(
        user_id=user,
        resource_id=uuid.uuid4(),
        share_id="s1",
        conversation_id=conversation,
        title="",
        message_ids=ids,
        target=None,
        snapshot_files=True,
        public=True,
        expired_at=None,
        now=T0,
    )
    return link


def test_a_link_is_published_once_until_deleted() -> None:
    user, conversation, message = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    link = _published(user, conversation, [message])
    assert link.id == link_id(user, conversation, None) and link.title == "Untitled"
    with pytest.raises(Conflict):
        link.publish(
            user_id=user,
            resource_id=uuid.uuid4(),
            share_id="s2",
            conversation_id=conversation,
            title="t",
            message_ids=[message],
            target=None,
            snapshot_files=True,
            public=True,
            expired_at=None,
            now=T0,
        )
    link.delete()
    with pytest.raises(NotFound):
        link.delete()
    with pytest.raises(NotFound):
        link.republish([message], None, True, None)
    replayed = SharedLink.project(None, [*link.collect_events()])
    assert replayed is not None and replayed.live is False and replayed.version == 2


def test_a_snapshot_needs_messages_and_a_target_among_them() -> None:
    user, conversation = uuid.uuid4(), uuid.uuid4()
    with pytest.raises(Invalid, match="No messages to share"):
        _published(user, conversation, [])
    link = _published(user, conversation, [uuid.uuid4()])
    with pytest.raises(Invalid, match="Target message not found"):
        link.republish([uuid.uuid4()], uuid.uuid4(), True, None)


def test_an_expired_link_may_be_published_again() -> None:
    user, conversation, message = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    link = SharedLink.blank(user, conversation, None)
    fields = dict(
        user_id=user,
        conversation_id=conversation,
        title="t",
        message_ids=[message],
        target=None,
        snapshot_files=True,
        public=True,
        expired_at=T0 + timedelta(hours=1),
    )
    link.publish(resource_id=uuid.uuid4(), share_id="s1", now=T0, **fields)  # type: ignore[arg-type]
    assert link.active(T0) and not link.active(T0 + timedelta(hours=2))
    link.publish(resource_id=uuid.uuid4(), share_id="s2", now=T0 + timedelta(hours=2), **fields)  # type: ignore[arg-type]
    assert link.share_id == "s2"
