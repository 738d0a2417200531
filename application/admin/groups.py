"""A group created with its first members, in one commit (LibreChat's `memberIds` on create):
the permissions context's Groups service adds members one command at a time."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from application.permissions.groups import Groups
from domain.permissions.group import Group
from domain.shared.errors import NotFound


def create_with_members(
    groups: Groups,
    by: UUID,
    name: str,
    members: Sequence[UUID],
    description: str | None = None,
    email: str | None = None,
    avatar: str | None = None,
    source: str = "local",
    id_on_the_source: str | None = None,
) -> Group:
    """Every member must be a live account (else NotFound, and nothing is recorded)."""
    unknown = next((m for m in members if not groups.users.exists(m)), None)
    if unknown is not None:
        raise NotFound("User not found")
    group = Group.create(name, by, description, email, avatar, source, id_on_the_source)
    for member in members:
        group.add_member(member, by)
    groups.store.commit(group, actor=by)
    return group
