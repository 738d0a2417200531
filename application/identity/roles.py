"""Role documents and role membership, as LibreChat's admins change them.

Every change is an identity event: a role's flags and description on its Role aggregate, a
user's role on the User (`UserRoleChanged`). A role's members are the users whose role it is;
a rename or deletion moves them in the same atomic commit. A user's role is read from their
aggregate on every request, so a removed or changed role applies from their next request."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from application.identity.ports import Directory
from application.shared.store import EventStore, retry_on_conflict
from domain.identity.events import Permissions
from domain.identity.role import NOT_FOUND, Role, is_builtin, role_id
from domain.identity.rules import ADMIN, ROLES, USER
from domain.identity.user import User
from domain.shared.aggregate import Aggregate
from domain.shared.errors import Conflict, Forbidden, Invalid, NotFound

LAST_ADMIN = "Cannot remove the last admin user"
USER_NOT_FOUND = "User not found"


@dataclass(frozen=True)
class RoleState:
    id: UUID
    name: str
    description: str = ""
    permissions: Permissions = field(default_factory=dict)  # the flags admins set
    builtin: bool = False
    updated_at: datetime | None = None


class Roles:
    def __init__(self, store: EventStore, directory: Directory) -> None:
        self.store = store
        self.directory = directory

    # ---------------------------------------------------------------- queries
    def get(self, name: str) -> RoleState | None:
        """The role document (consistent: read from its aggregate), None if no such role."""
        role = self._load(name)
        if role is not None:
            return _state(role)
        return RoleState(role_id(name), name, builtin=True) if name in ROLES else None

    def page(self, actor: UUID, limit: int, offset: int) -> tuple[list[RoleState], int]:
        """The built-in roles first, then the custom ones in creation order."""
        builtin = [s for s in (self.get(n) for n in ROLES) if s is not None]
        head = builtin[offset : offset + limit]
        rest_offset = max(offset - len(builtin), 0)
        rows, custom = self.directory.custom_roles(
            actor, limit - len(head), rest_offset, list(ROLES)
        )
        listed = [RoleState(UUID(r.role_id), r.name, r.description) for r in rows]
        return head + listed, len(builtin) + custom

    # --------------------------------------------------------------- commands
    def update_permissions(self, name: str, permissions: Permissions, actor: UUID) -> RoleState:
        def decide() -> RoleState:
            role = self._load(name) or self._builtin(name, actor)
            role.update_permissions(permissions, actor)
            self.store.commit(role, actor=actor)
            return _state(role)

        return retry_on_conflict(decide)

    def create(
        self, name: str, description: str, permissions: Permissions, actor: UUID
    ) -> RoleState:
        if is_builtin(name):
            raise Conflict(f'Role "{name}" already exists')

        def decide() -> RoleState:
            role = self._any(name)
            if role is None:
                role = Role.define(
                    name, description=description, permissions=permissions, actor_id=actor
                )
            else:
                role.redefine(description=description, permissions=permissions, actor_id=actor)
            self.store.commit(role, actor=actor)
            return _state(role)

        return retry_on_conflict(decide)

    def update(
        self, name: str, new_name: str | None, description: str | None, actor: UUID
    ) -> RoleState:
        renaming = bool(new_name) and new_name != name
        if renaming and is_builtin(name):
            raise Forbidden("Cannot rename system role")
        if renaming and is_builtin(new_name or ""):
            raise Forbidden("Cannot use a reserved system role name")
        current = self.get(name)
        if current is None:
            raise NotFound(NOT_FOUND)
        if renaming and new_name:
            return retry_on_conflict(lambda: self._rename(name, new_name, description, actor))
        if description is None:
            return current

        def decide() -> RoleState:
            role = self._load(name) or self._builtin(name, actor)
            role.describe(description, actor)
            self.store.commit(role, actor=actor)
            return _state(role)

        return retry_on_conflict(decide)

    def _rename(self, name: str, new_name: str, description: str | None, actor: UUID) -> RoleState:
        old = self._load(name)
        if old is None:
            raise NotFound(NOT_FOUND)
        target = self._any(new_name)
        if target is not None and not target.deleted:
            raise Conflict(f'Role "{new_name}" already exists')
        text = old.description if description is None else description
        flags = old.permissions
        if target is None:
            target = Role.define(
                new_name, description=text, permissions=flags, renamed_from=name, actor_id=actor
            )
        else:
            target.redefine(description=text, permissions=flags, renamed_from=name, actor_id=actor)
        old.delete(actor, renamed_to=new_name)
        moved = self._move_members(name, new_name, actor)
        self.store.commit(old, target, *moved, actor=actor)
        return _state(target)

    def delete(self, name: str, actor: UUID) -> None:
        """Its members fall back to USER (LibreChat leaves them a role that no longer exists)."""
        if is_builtin(name):
            raise Forbidden("Cannot delete system role")

        def decide() -> None:
            role = self._load(name)
            if role is None:
                raise NotFound(NOT_FOUND)
            role.delete(actor)
            self.store.commit(role, *self._move_members(name, USER, actor), actor=actor)

        retry_on_conflict(decide)

    def _move_members(self, role: str, to: str, actor: UUID) -> list[Aggregate]:
        moved: list[Aggregate] = []
        for user_id in self.directory.member_ids(role):
            user = self.store.load(User, user_id)
            if user.role == role and not user.deleted and user.change_role(to, actor):
                moved.append(user)
        return moved

    # ------------------------------------------------------------- membership
    def add_member(self, name: str, user_id: UUID, actor: UUID) -> None:
        if is_builtin(name) and name != ADMIN:
            raise Forbidden("Cannot directly assign members to a system role")
        self._require(name)
        retry_on_conflict(lambda: self._set_role(user_id, name, actor, require_member=None))

    def remove_member(self, name: str, user_id: UUID, actor: UUID) -> None:
        if is_builtin(name) and name != ADMIN:
            raise Forbidden("Cannot remove members from a system role")
        self._require(name)
        retry_on_conflict(lambda: self._set_role(user_id, USER, actor, require_member=name))

    def _set_role(self, user_id: UUID, role: str, actor: UUID, require_member: str | None) -> None:
        user = self._user(user_id)
        if require_member is not None and user.role != require_member:
            raise Invalid("User is not a member of this role")
        if user.role == role:
            return
        demoting = user.role == ADMIN
        if demoting and len(self.directory.member_ids(ADMIN)) <= 1:
            raise Invalid(LAST_ADMIN)
        user.change_role(role, actor)
        self.store.commit(user, actor=actor)
        if demoting and not self.directory.member_ids(ADMIN):
            # another admin was demoted at the same time: LibreChat's rollback, as an event
            user.change_role(ADMIN, actor)
            self.store.commit(user, actor=actor)
            raise Invalid(LAST_ADMIN)

    def _user(self, user_id: UUID) -> User:
        try:
            user = self.store.load(User, user_id)
        except NotFound:
            raise NotFound(USER_NOT_FOUND) from None
        if user.deleted:
            raise NotFound(USER_NOT_FOUND)
        return user

    # ---------------------------------------------------------------- helpers
    def _require(self, name: str) -> None:
        if self.get(name) is None:
            raise NotFound(NOT_FOUND)

    def _any(self, name: str) -> Role | None:
        """The role's aggregate, deleted or not; None if it was never written."""
        rid = role_id(name)
        return self.store.load(Role, rid) if self.store.exists(rid) else None

    def _load(self, name: str) -> Role | None:
        role = self._any(name)
        return None if role is None or role.deleted else role

    def _builtin(self, name: str, actor: UUID) -> Role:
        """A built-in role's aggregate, written for the first time."""
        if name not in ROLES:
            raise NotFound(NOT_FOUND)
        return Role.define(name, actor_id=actor)


def _state(role: Role) -> RoleState:
    return RoleState(
        role.id,
        role.name,
        role.description,
        role.permissions,
        builtin=role.name in ROLES,
        updated_at=role.updated_at,
    )
