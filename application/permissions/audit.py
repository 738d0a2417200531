"""Who could do what with a resource at a time T, and the grants and revokes that led there:
folded from the sharing events themselves (the hash-chained history), not from a read model,
so an auditor's answer is the record's."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, cast
from uuid import UUID

import msgspec

import domain.permissions.events  # noqa: F401 (registers the sharing topics with the mapper)
from application.shared.store import EventStore
from domain.permissions.acl import ResourceAcl, acl_id
from domain.permissions.events import (
    AccessGranted,
    AccessRevoked,
    AclClosed,
    AclOpened,
    GroupDeleted,
    GroupMemberAdded,
    GroupMemberRemoved,
)
from domain.permissions.group import Group
from domain.permissions.model import PrincipalType
from domain.permissions.rules import check_resource
from domain.shared.events import DomainEvent


class Change(msgspec.Struct, frozen=True, kw_only=True):
    """One event of the resource's ACL (`opened`, `granted`, `revoked`, `closed`), or of a
    group named by an entry in force at T (`member_added`, `member_removed`,
    `group_deleted`; `principal_id` is the group)."""

    at: datetime
    action: str
    by: UUID | None
    principal_type: str | None = None
    principal_id: str | None = None
    access_role_id: str | None = None
    perm_bits: int | None = None
    user_id: str | None = None  # member_added / member_removed: the member


class Holder(msgspec.Struct, frozen=True, kw_only=True):
    """An entry in force at T. For a group, `members` are its members at T; a role's
    members are whoever has the role; public is everyone."""

    principal_type: str
    principal_id: str | None
    access_role_id: str
    perm_bits: int
    granted_by: UUID | None
    granted_at: datetime
    members: list[str] | None = None


class AccessReport(msgspec.Struct, frozen=True, kw_only=True):
    resource_type: str
    resource_id: str
    as_of: datetime
    holders: list[Holder]
    users: dict[str, int]  # user id -> bits through user and group entries at T
    history: list[Change]


class AccessAudit:
    def __init__(self, store: EventStore) -> None:
        self.store = store

    def access(self, resource_type: str, resource_id: str, as_of: datetime) -> AccessReport:
        check_resource(resource_type, resource_id)
        events = self._events(acl_id(resource_type, resource_id))
        events = [e for e in events if e.timestamp <= as_of]
        acl = ResourceAcl.project(None, events)
        holders = [self._holder(entry, as_of) for entry in (acl.entries.values() if acl else [])]
        history = [_change(e) for e in events] + self._group_changes(holders, as_of)
        return AccessReport(
            resource_type=resource_type,
            resource_id=resource_id,
            as_of=as_of,
            holders=holders,
            users=_users(holders),
            history=sorted(history, key=lambda c: c.at),
        )

    def _group_changes(self, holders: list[Holder], as_of: datetime) -> list[Change]:
        changes = []
        for holder in holders:
            if holder.principal_type != PrincipalType.GROUP or holder.principal_id is None:
                continue
            for event in self._events(UUID(holder.principal_id)):
                action = _GROUP_ACTIONS.get(type(event))
                if action is None or event.timestamp > as_of:
                    continue
                changes.append(
                    Change(
                        at=event.timestamp,
                        action=action,
                        by=getattr(event, "by", None),
                        principal_type=PrincipalType.GROUP.value,
                        principal_id=holder.principal_id,
                        user_id=getattr(event, "user_id", None),
                    )
                )
        return changes

    def _holder(self, entry: Any, as_of: datetime) -> Holder:
        members = None
        if entry.principal.type == PrincipalType.GROUP:
            members = self._members(UUID(entry.principal.id), as_of)
        return Holder(
            principal_type=entry.principal.type,
            principal_id=entry.principal.id,
            access_role_id=entry.access_role_id,
            perm_bits=entry.perm_bits,
            granted_by=entry.granted_by,
            granted_at=entry.granted_at,
            members=members,
        )

    def _members(self, group_id: UUID, as_of: datetime) -> list[str]:
        events = [e for e in self._events(group_id) if e.timestamp <= as_of]
        group = Group.project(None, events)
        return [] if group is None or group.deleted else sorted(group.members)

    def _events(self, aggregate_id: UUID) -> list[DomainEvent]:
        return list(cast(Iterable[DomainEvent], self.store.events.get(aggregate_id)))


_GROUP_ACTIONS: dict[type, str] = {
    GroupMemberAdded: "member_added",
    GroupMemberRemoved: "member_removed",
    GroupDeleted: "group_deleted",
}


def _users(holders: list[Holder]) -> dict[str, int]:
    users: dict[str, int] = {}
    for holder in holders:
        if holder.principal_type == PrincipalType.USER and holder.principal_id:
            named = [holder.principal_id]
        else:
            named = holder.members or []
        for user in named:
            users[user] = users.get(user, 0) | holder.perm_bits
    return dict(sorted(users.items()))


def _change(event: DomainEvent) -> Change:
    base: dict[str, Any] = {"at": event.timestamp, "by": getattr(event, "by", None)}
    if isinstance(event, AccessGranted):
        return Change(
            **base,
            action="granted",
            principal_type=event.principal_type,
            principal_id=event.principal_id,
            access_role_id=event.access_role_id,
            perm_bits=event.perm_bits,
        )
    if isinstance(event, AccessRevoked):
        return Change(
            **base,
            action="revoked",
            principal_type=event.principal_type,
            principal_id=event.principal_id,
        )
    if isinstance(event, AclOpened):
        return Change(**base, action="opened")
    assert isinstance(event, AclClosed)
    return Change(**base, action="closed")
