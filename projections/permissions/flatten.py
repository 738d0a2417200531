"""How one sharing or identity event changes the permissions read model: its own rows, then
the effective rows of every (user, resource) it touches, recomputed from the entries."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from domain.identity.events import UserDeleted, UserRegistered, UserRoleChanged
from domain.permissions.events import (
    AccessGranted,
    AccessRevoked,
    AclClosed,
    CapabilityGranted,
    CapabilityRevoked,
    GroupCreated,
    GroupDeleted,
    GroupMemberAdded,
    GroupMemberRemoved,
    GroupUpdated,
)
from domain.permissions.model import PrincipalType
from projections.engine.rows import Rows


def apply_event(rows: Rows, tables: dict[str, sa.Table], event: Any) -> None:
    handler = HANDLERS.get(type(event))
    if handler is not None:
        handler(Flattener(rows, tables), event)


class Flattener:
    """The row changes of one event, and the recomputation of the effective rows it touches."""

    def __init__(self, rows: Rows, tables: dict[str, sa.Table]) -> None:
        self.rows = rows
        self.t = tables

    # ------------------------------------------------------------- ACL entries
    def granted(self, event: AccessGranted) -> None:
        key = _entry_key(event)
        values = {
            "access_role_id": event.access_role_id,
            "perm_bits": event.perm_bits,
            "granted_by": str(event.by) if event.by else None,
            "granted_at": event.timestamp,
        }
        self.rows.upsert(self.t["acl_entries"], {**key, **values}, key=list(key))
        self.entry_changed(event.resource_type, event.resource_id, key)

    def revoked(self, event: AccessRevoked) -> None:
        key = _entry_key(event)
        self.rows.delete(self.t["acl_entries"], key)
        self.entry_changed(event.resource_type, event.resource_id, key)

    def closed(self, event: AclClosed) -> None:
        resource = {"resource_type": event.resource_type, "resource_id": event.resource_id}
        for table in ("acl_entries", "effective_permissions", "public_permissions"):
            self.rows.delete(self.t[table], resource)

    def entry_changed(self, rtype: str, rid: str, key: dict[str, str]) -> None:
        kind, pid = key["principal_type"], key["principal_id"]
        if kind == PrincipalType.PUBLIC:
            self.public(rtype, rid)
            return
        for user in self.named_users(kind, pid):
            self.recompute(user, rtype, rid)

    def named_users(self, kind: str, pid: str) -> list[str]:
        if kind == PrincipalType.USER:
            return [pid]
        if kind == PrincipalType.GROUP:
            return self.members(pid)
        users = self.t["acl_users"]
        query = sa.select(users.c.user_id).where(users.c.role == pid, users.c.deleted.is_(False))
        return [r.user_id for r in self.rows.read(query)]

    def public(self, rtype: str, rid: str) -> None:
        resource = {"resource_type": rtype, "resource_id": rid}
        entry = self.rows.get(
            self.t["acl_entries"],
            {**resource, "principal_type": PrincipalType.PUBLIC.value, "principal_id": ""},
        )
        if entry is None:
            self.rows.delete(self.t["public_permissions"], resource)
        else:
            row = {**resource, "perm_bits": entry["perm_bits"]}
            self.rows.upsert(self.t["public_permissions"], row, key=list(resource))

    # ------------------------------------------------------------------ groups
    def group_created(self, event: GroupCreated) -> None:
        row = {
            "group_id": str(event.originator_id),
            "name": event.name,
            "description": event.description,
            "email": event.email,
            "avatar": event.avatar,
            "source": event.source,
            "id_on_the_source": event.id_on_the_source,
            "member_count": 0,
            "created_at": event.timestamp,
            "updated_at": event.timestamp,
        }
        self.rows.upsert(self.t["acl_groups"], row, key=["group_id"])

    def group_updated(self, event: GroupUpdated) -> None:
        values = {
            "name": event.name,
            "description": event.description,
            "email": event.email,
            "avatar": event.avatar,
            "updated_at": event.timestamp,
        }
        self.rows.update(self.t["acl_groups"], {"group_id": str(event.originator_id)}, values)

    def member_added(self, event: GroupMemberAdded) -> None:
        group = str(event.originator_id)
        row = {"group_id": group, "user_id": event.user_id, "added_at": event.timestamp}
        self.rows.upsert(self.t["acl_group_members"], row, key=["group_id", "user_id"])
        self._count(group, event, +1)
        self.membership_changed(group, event.user_id)

    def member_removed(self, event: GroupMemberRemoved) -> None:
        group = str(event.originator_id)
        self.rows.delete(self.t["acl_group_members"], {"group_id": group, "user_id": event.user_id})
        self._count(group, event, -1)
        self.membership_changed(group, event.user_id)

    def group_deleted(self, event: GroupDeleted) -> None:
        group = str(event.originator_id)
        members = self.members(group)
        self.rows.delete(self.t["acl_group_members"], {"group_id": group})
        self.rows.delete(self.t["acl_groups"], {"group_id": group})
        for user in members:
            self.membership_changed(group, user)

    def _count(self, group: str, event: Any, step: int) -> None:
        where = {"group_id": group}
        self.rows.update(
            self.t["acl_groups"], where, {"updated_at": event.timestamp}, {"member_count": step}
        )

    def members(self, group: str) -> list[str]:
        members = self.t["acl_group_members"]
        query = sa.select(members.c.user_id).where(members.c.group_id == group)
        return [r.user_id for r in self.rows.read(query)]

    def membership_changed(self, group: str, user: str) -> None:
        for rtype, rid in self.resources_naming(PrincipalType.GROUP.value, group):
            self.recompute(user, rtype, rid)

    def resources_naming(self, kind: str, pid: str) -> list[tuple[str, str]]:
        entries = self.t["acl_entries"]
        query = sa.select(entries.c.resource_type, entries.c.resource_id).where(
            entries.c.principal_type == kind, entries.c.principal_id == pid
        )
        return [(r.resource_type, r.resource_id) for r in self.rows.read(query)]

    # ------------------------------------------------------------------- users
    def user_registered(self, event: UserRegistered) -> None:
        self.role_set(str(event.originator_id), event.role)

    def role_changed(self, event: UserRoleChanged) -> None:
        self.role_set(str(event.originator_id), event.role)

    def role_set(self, user: str, role: str) -> None:
        users = self.t["acl_users"]
        current = self.rows.get(users, {"user_id": user})
        if current is not None and current["deleted"]:
            return
        old = current["role"] if current is not None else None
        self.rows.upsert(users, {"user_id": user, "role": role, "deleted": False}, key=["user_id"])
        for named in {old, role} - {None}:
            for rtype, rid in self.resources_naming(PrincipalType.ROLE.value, str(named)):
                self.recompute(user, rtype, rid)

    def user_deleted(self, event: UserDeleted) -> None:
        user = str(event.originator_id)
        row = {"user_id": user, "role": None, "deleted": True}
        self.rows.upsert(self.t["acl_users"], row, key=["user_id"])
        self.rows.delete(self.t["effective_permissions"], {"user_id": user})

    # ---------------------------------------------------------------- flatten
    def recompute(self, user: str, rtype: str, rid: str) -> None:
        """The user's row for one resource: the OR of every entry naming their principals."""
        key = {"user_id": user, "resource_type": rtype, "resource_id": rid}
        account = self.rows.get(self.t["acl_users"], {"user_id": user})
        bits = (
            0
            if account is not None and account["deleted"]
            else self._bits(user, account, rtype, rid)
        )
        if bits:
            self.rows.upsert(
                self.t["effective_permissions"], {**key, "perm_bits": bits}, key=list(key)
            )
        else:
            self.rows.delete(self.t["effective_permissions"], key)

    def _bits(self, user: str, account: dict[str, Any] | None, rtype: str, rid: str) -> int:
        entries, members = self.t["acl_entries"], self.t["acl_group_members"]
        groups = sa.select(members.c.group_id).where(members.c.user_id == user)
        named = [
            sa.and_(
                entries.c.principal_type == PrincipalType.USER.value, entries.c.principal_id == user
            ),
            sa.and_(
                entries.c.principal_type == PrincipalType.GROUP.value,
                entries.c.principal_id.in_(groups.scalar_subquery()),
            ),
        ]
        if account is not None and account["role"]:
            named.append(
                sa.and_(
                    entries.c.principal_type == PrincipalType.ROLE.value,
                    entries.c.principal_id == account["role"],
                )
            )
        query = sa.select(entries.c.perm_bits).where(
            entries.c.resource_type == rtype, entries.c.resource_id == rid, sa.or_(*named)
        )
        bits = 0
        for row in self.rows.read(query):
            bits |= int(row.perm_bits)
        return bits

    # ------------------------------------------------------------ capabilities
    def capability_granted(self, event: CapabilityGranted) -> None:
        key = _grant_key(event)
        row = {
            **key,
            "granted_by": str(event.by) if event.by else None,
            "granted_at": event.timestamp,
        }
        self.rows.upsert(self.t["capability_grants"], row, key=list(key))

    def capability_revoked(self, event: CapabilityRevoked) -> None:
        self.rows.delete(self.t["capability_grants"], _grant_key(event))


def _entry_key(event: AccessGranted | AccessRevoked) -> dict[str, str]:
    return {
        "resource_type": event.resource_type,
        "resource_id": event.resource_id,
        "principal_type": event.principal_type,
        "principal_id": event.principal_id or "",
    }


def _grant_key(event: CapabilityGranted | CapabilityRevoked) -> dict[str, str]:
    return {
        "principal_type": event.principal_type,
        "principal_id": event.principal_id,
        "capability": event.capability,
    }


HANDLERS: dict[type, Any] = {
    AccessGranted: Flattener.granted,
    AccessRevoked: Flattener.revoked,
    AclClosed: Flattener.closed,
    GroupCreated: Flattener.group_created,
    GroupUpdated: Flattener.group_updated,
    GroupMemberAdded: Flattener.member_added,
    GroupMemberRemoved: Flattener.member_removed,
    GroupDeleted: Flattener.group_deleted,
    CapabilityGranted: Flattener.capability_granted,
    CapabilityRevoked: Flattener.capability_revoked,
    UserRegistered: Flattener.user_registered,
    UserRoleChanged: Flattener.role_changed,
    UserDeleted: Flattener.user_deleted,
}
