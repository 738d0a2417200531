"""Group: a named set of users that ACL entries and capability grants can name
(LibreChat's `Group`: name, description, email, avatar, source, idOnTheSource, memberIds)."""

from __future__ import annotations

from uuid import UUID, uuid4

from domain.permissions import rules
from domain.permissions.events import (
    GroupCreated,
    GroupDeleted,
    GroupMemberAdded,
    GroupMemberRemoved,
    GroupUpdated,
)
from domain.shared.aggregate import Aggregate, applies
from domain.shared.errors import NotFound


class Group(Aggregate):
    name: str
    description: str | None
    email: str | None
    avatar: str | None
    source: str
    id_on_the_source: str | None
    members: list[str]
    deleted: bool
    created_by: UUID | None

    @classmethod
    def create(
        cls,
        name: str,
        by: UUID | None,
        description: str | None = None,
        email: str | None = None,
        avatar: str | None = None,
        source: str = "local",
        id_on_the_source: str | None = None,
        group_id: UUID | None = None,
    ) -> Group:
        fields = _fields(name, description, email, avatar)
        id_on_the_source = rules.optional(id_on_the_source, "idOnTheSource", rules.MAX_ID)
        group = cls(group_id or uuid4())
        group._record(
            GroupCreated,
            **fields,
            source=rules.source(source, id_on_the_source),
            id_on_the_source=id_on_the_source,
            by=by,
        )
        return group

    def update(
        self,
        by: UUID | None,
        name: str | None = None,
        description: str | None = None,
        email: str | None = None,
        avatar: str | None = None,
    ) -> bool:
        """Change the given fields (None: keep). True when something changed."""
        self._alive()
        fields = _fields(
            self.name if name is None else name,
            self.description if description is None else description,
            self.email if email is None else email,
            self.avatar if avatar is None else avatar,
        )
        current = {k: getattr(self, k) for k in fields}
        if fields == current:
            return False
        self._record(GroupUpdated, **fields, by=by)
        return True

    def add_member(self, user_id: UUID, by: UUID | None) -> bool:
        """True when the user was not a member yet."""
        self._alive()
        if str(user_id) in self.members:
            return False
        self._record(GroupMemberAdded, user_id=str(user_id), by=by)
        return True

    def remove_member(self, user_id: UUID, by: UUID | None) -> bool:
        """True when the user was a member."""
        self._alive()
        if str(user_id) not in self.members:
            return False
        self._record(GroupMemberRemoved, user_id=str(user_id), by=by)
        return True

    def delete(self, by: UUID | None) -> None:
        self._alive()
        self._record(GroupDeleted, by=by)

    def _alive(self) -> None:
        if self.deleted:
            raise NotFound("Group not found")

    @applies(GroupCreated)
    def _created(self, event: GroupCreated) -> None:
        self.name = event.name
        self.description = event.description
        self.email = event.email
        self.avatar = event.avatar
        self.source = event.source
        self.id_on_the_source = event.id_on_the_source
        self.members = []
        self.deleted = False
        self.created_by = event.by

    @applies(GroupUpdated)
    def _updated(self, event: GroupUpdated) -> None:
        self.name = event.name
        self.description = event.description
        self.email = event.email
        self.avatar = event.avatar

    @applies(GroupMemberAdded)
    def _member_added(self, event: GroupMemberAdded) -> None:
        self.members = [*self.members, event.user_id]

    @applies(GroupMemberRemoved)
    def _member_removed(self, event: GroupMemberRemoved) -> None:
        self.members = [m for m in self.members if m != event.user_id]

    @applies(GroupDeleted)
    def _deleted(self, event: GroupDeleted) -> None:
        self.deleted = True


def _fields(
    name: str, description: str | None, email: str | None, avatar: str | None
) -> dict[str, str | None]:
    return {
        "name": rules.group_name(name),
        "description": rules.optional(description, "description", rules.MAX_DESCRIPTION),
        "email": rules.optional(email, "email", rules.MAX_EMAIL),
        "avatar": rules.optional(avatar, "avatar", rules.MAX_AVATAR),
    }
