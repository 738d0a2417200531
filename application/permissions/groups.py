"""Groups and their members: the commands LibreChat's admin group routes run."""

from __future__ import annotations

from uuid import UUID

import domain.permissions.events  # noqa: F401 (registers the sharing topics with the mapper)
from application.permissions.ports import Users
from application.shared.store import EventStore, retry_on_conflict
from domain.permissions.group import Group
from domain.shared.errors import Invalid, NotFound


class Groups:
    def __init__(self, store: EventStore, users: Users) -> None:
        self.store = store
        self.users = users

    def get(self, group_id: UUID) -> Group:
        """The live group, else NotFound("Group not found")."""
        try:
            group = self.store.load(Group, group_id)
        except NotFound:
            raise NotFound("Group not found") from None
        if group.deleted:
            raise NotFound("Group not found")
        return group

    def create(
        self,
        name: str,
        by: UUID | None,
        description: str | None = None,
        email: str | None = None,
        avatar: str | None = None,
        source: str = "local",
        id_on_the_source: str | None = None,
    ) -> Group:
        group = Group.create(name, by, description, email, avatar, source, id_on_the_source)
        self.store.commit(group, actor=by)
        return group

    def update(
        self,
        group_id: UUID,
        by: UUID | None,
        name: str | None = None,
        description: str | None = None,
        email: str | None = None,
        avatar: str | None = None,
    ) -> Group:
        def decide() -> Group:
            group = self.get(group_id)
            if group.update(by, name, description, email, avatar):
                self.store.commit(group, actor=by)
            return group

        return retry_on_conflict(decide)

    def delete(self, group_id: UUID, by: UUID | None) -> None:
        def decide() -> None:
            group = self.get(group_id)
            group.delete(by)
            self.store.commit(group, actor=by)

        retry_on_conflict(decide)

    def add_member(self, group_id: UUID, user_id: UUID, by: UUID | None) -> bool:
        """True when added (False: already a member). An unknown user is refused."""
        if not self.users.exists(user_id):
            raise Invalid("User not found")

        def decide() -> bool:
            group = self.get(group_id)
            added = group.add_member(user_id, by)
            self.store.commit(group, actor=by)
            return added

        return retry_on_conflict(decide)

    def remove_member(self, group_id: UUID, user_id: UUID, by: UUID | None) -> bool:
        """True when removed (False: was not a member). Takes effect on the user's next
        request: access checks wait for the read model to include it."""

        def decide() -> bool:
            group = self.get(group_id)
            removed = group.remove_member(user_id, by)
            self.store.commit(group, actor=by)
            return removed

        return retry_on_conflict(decide)
