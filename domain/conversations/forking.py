"""Which messages a fork copies (LibreChat's three fork options) and how ids are renewed."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import replace
from uuid import UUID

from domain.conversations.conversation import Message
from domain.conversations.rules import NO_PARENT
from domain.shared.errors import Invalid, NotFound

DIRECT_PATH, INCLUDE_BRANCHES, TARGET_LEVEL = "directPath", "includeBranches", "targetLevel"
OPTIONS = (DIRECT_PATH, INCLUDE_BRANCHES, TARGET_LEVEL)


def select_for_fork(
    messages: dict[UUID, Message], target: UUID, option: str | None, split_at_target: bool = False
) -> list[Message]:
    """directPath: the target and its ancestors; includeBranches: also each ancestor's
    siblings; targetLevel (default): every message no deeper than the target.
    `split_at_target` starts the new conversation at the target instead of the root."""
    if target not in messages:
        raise NotFound("Message not found")
    option = option or TARGET_LEVEL
    if option not in OPTIONS:
        raise Invalid(f"option must be one of {', '.join(OPTIONS)}")
    path = _ancestry(messages, target)
    if option == DIRECT_PATH:
        chosen = set(path)
    elif option == INCLUDE_BRANCHES:
        parents = {messages[m].parent_message_id for m in path}
        chosen = set(path) | {
            m.message_id for m in messages.values() if m.parent_message_id in parents
        }
    else:
        depth = _depths(messages)
        chosen = {m for m, d in depth.items() if d <= depth[target]}
    if split_at_target:
        chosen = {m for m in chosen if target in _ancestry(messages, m)}
    return [m for m in _in_order(messages.values()) if m.message_id in chosen]


def renew_ids(
    messages: list[Message], new_id: Callable[[UUID], UUID] | None = None
) -> list[Message]:
    """Copies with fresh ids; parents that were not copied become the root sentinel."""
    make = new_id or (lambda _old: uuid.uuid4())
    mapping = {m.message_id: make(m.message_id) for m in messages}
    return [
        replace(
            m,
            message_id=mapping[m.message_id],
            parent_message_id=mapping.get(m.parent_message_id, NO_PARENT),
        )
        for m in messages
    ]


def _ancestry(messages: dict[UUID, Message], target: UUID) -> list[UUID]:
    path, current, seen = [], target, set()
    while current in messages and current not in seen:
        seen.add(current)
        path.append(current)
        current = messages[current].parent_message_id
    return path


def _depths(messages: dict[UUID, Message]) -> dict[UUID, int]:
    return {m: len(_ancestry(messages, m)) - 1 for m in messages}


def _in_order(messages: Iterable[Message]) -> list[Message]:
    return sorted(messages, key=lambda m: (m.created_at, str(m.message_id)))
