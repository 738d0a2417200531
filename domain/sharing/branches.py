"""Which messages of a snapshot a link shows, and where a re-publish moves its target:
LibreChat's `getMessagesUpToTarget` and `advanceTargetToBranchTail` (share.ts)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

NO_PARENT = "00000000-0000-0000-0000-000000000000"


@dataclass(frozen=True)
class Node:
    id: str
    parent: str
    created_at: datetime


def up_to_target(nodes: Sequence[Node], target: str) -> list[Node]:
    """Every message no deeper than the target's level, walked from the roots; nothing
    when the target is missing or not reachable from a root (fails closed: a broken
    chain must never widen a branch share to the whole conversation)."""
    if len(nodes) == 1 and nodes[0].id == target:
        return list(nodes)
    found = next((n for n in nodes if n.id == target), None)
    if found is None:
        return []
    children = _children(nodes)
    roots = children.get(NO_PARENT, [])
    level = list(roots) if roots else [found]
    chosen = {n.id for n in level}
    if target in chosen and found.parent == NO_PARENT:
        return [n for n in nodes if n.id in chosen]
    reached, visited = target in chosen, set[str]()
    while not reached and level:
        below: list[Node] = []
        for node in level:
            if node.id in visited:
                continue
            visited.add(node.id)
            for child in children.get(node.id, []):
                if child.id in visited:
                    continue
                below.append(child)
                chosen.add(child.id)
                reached = reached or child.id == target
        level = below
    return [n for n in nodes if n.id in chosen] if reached else []


def branch_tail(nodes: Sequence[Node], target: str) -> str:
    """The newest descendant of the stored target, so a re-publish without a target shares
    the turns added since; a childless target first hops to the newer sibling (a
    regeneration or edit) the conversation continued under."""
    by_id = {n.id: n for n in nodes}
    children = _children(nodes)
    current, visited = target, {target}
    while True:
        below = children.get(current)
        step = _newest(below) if below else None
        if step is None and current == target:
            step = _replacement(by_id, children, target)
        if step is None or step.id in visited:
            return current
        visited.add(step.id)
        current = step.id


def path_to(nodes: Sequence[Node], tip: str) -> list[Node]:
    """The tip and its ancestors, root first (the branch a viewer had open)."""
    by_id = {n.id: n for n in nodes}
    path: list[Node] = []
    current, seen = by_id.get(tip), set[str]()
    while current is not None and current.id not in seen:
        seen.add(current.id)
        path.append(current)
        current = by_id.get(current.parent)
    return path[::-1]


def _children(nodes: Sequence[Node]) -> dict[str, list[Node]]:
    children: dict[str, list[Node]] = {}
    for node in nodes:
        children.setdefault(node.parent or NO_PARENT, []).append(node)
    return children


def _newest(candidates: Sequence[Node]) -> Node | None:
    newest: Node | None = None
    for node in candidates:
        if newest is None or node.created_at > newest.created_at:
            newest = node
    return newest


def _replacement(
    by_id: dict[str, Node], children: dict[str, list[Node]], target: str
) -> Node | None:
    """Climbing from the target, the first newer sibling that has follow-ups."""
    climbed: set[str] = set()
    node = by_id.get(target)
    while node is not None and node.id not in climbed:
        climbed.add(node.id)
        continued = [
            s
            for s in children.get(node.parent, [])
            if s.id != node.id and s.id in children and s.created_at > node.created_at
        ]
        if continued:
            return _newest(continued)
        node = by_id.get(node.parent)
    return None
