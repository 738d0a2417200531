"""Which messages LibreChat's three fork options copy, and how copied ids are renewed."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest

from domain.conversations.conversation import Message
from domain.conversations.forking import renew_ids, select_for_fork
from domain.conversations.rules import NO_PARENT
from domain.shared.errors import Invalid, NotFound

T0 = datetime(2026, 1, 1, tzinfo=UTC)

# q1 ─┬─ a1 ── q2 ── a2
#     └─ b1 ── r2
NAMES = ("q1", "a1", "b1", "q2", "r2", "a2")
PARENTS = {"q1": None, "a1": "q1", "b1": "q1", "q2": "a1", "r2": "b1", "a2": "q2"}
IDS = {name: uuid.uuid4() for name in NAMES}


def _tree() -> dict[UUID, Message]:
    messages = {}
    for index, name in enumerate(NAMES):
        parent = PARENTS[name]
        at = T0 + timedelta(seconds=index)
        messages[IDS[name]] = Message(
            message_id=IDS[name],
            parent_message_id=IDS[parent] if parent else NO_PARENT,
            sender="User",
            is_created_by_user=True,
            text=name,
            content=None,
            model=None,
            endpoint=None,
            token_count=None,
            unfinished=False,
            error=False,
            created_at=at,
            updated_at=at,
        )
    return messages


def _fork(target: str, option: str | None, split: bool = False) -> list[str]:
    return [m.text for m in select_for_fork(_tree(), IDS[target], option, split)]


def test_direct_path_copies_the_target_and_its_ancestors() -> None:
    assert _fork("q2", "directPath") == ["q1", "a1", "q2"]


def test_include_branches_also_copies_each_ancestors_siblings() -> None:
    assert _fork("q2", "includeBranches") == ["q1", "a1", "b1", "q2"]


def test_target_level_copies_every_message_no_deeper_than_the_target() -> None:
    assert _fork("q2", "targetLevel") == ["q1", "a1", "b1", "q2", "r2"]


def test_target_level_is_the_default_option() -> None:
    assert _fork("q2", None) == _fork("q2", "targetLevel")


def test_splitting_at_the_target_drops_what_came_before_it() -> None:
    assert _fork("q2", "targetLevel", split=True) == ["q2"]


def test_an_unknown_option_is_rejected() -> None:
    with pytest.raises(Invalid, match="option must be one of"):
        _fork("q2", "everything")


def test_forking_from_a_missing_message_is_not_found() -> None:
    with pytest.raises(NotFound, match="Message not found"):
        select_for_fork(_tree(), uuid.uuid4(), "directPath")


def test_forking_terminates_on_a_parent_cycle() -> None:
    messages = _tree()
    root = messages[IDS["q1"]]
    messages[IDS["q1"]] = Message(**{**root.__dict__, "parent_message_id": IDS["a2"]})
    assert len(select_for_fork(messages, IDS["a2"], "directPath")) == 4


def test_renewed_copies_keep_their_tree_under_fresh_ids() -> None:
    copied = renew_ids(select_for_fork(_tree(), IDS["q2"], "directPath"))
    by_text = {m.text: m for m in copied}
    assert {m.message_id for m in copied}.isdisjoint(IDS.values())
    assert by_text["q2"].parent_message_id == by_text["a1"].message_id
    assert by_text["a1"].parent_message_id == by_text["q1"].message_id


def test_a_copy_whose_parent_was_left_behind_becomes_a_root() -> None:
    copied = renew_ids(select_for_fork(_tree(), IDS["a1"], "directPath", split_at_target=True))
    assert [(m.text, m.parent_message_id) for m in copied] == [("a1", NO_PARENT)]


def test_renewing_uses_the_given_id_maker() -> None:
    fixed = uuid.uuid4()
    copied = renew_ids([_tree()[IDS["q1"]]], new_id=lambda _old: fixed)
    assert copied[0].message_id == fixed
