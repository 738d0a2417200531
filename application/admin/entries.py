"""How a stored event reads as an entry of LibreChat's admin audit log.

LibreChat's log has two actions (`grant.assigned`, `grant.removed`: system capabilities).
Chronicle's log is its event store, so every change of who may do what is an entry: those
two, ACL entries granted and revoked, groups and their members, role documents, and users'
roles. Each entry names its actor from the event (`by`, `changed_by`, `actor_id`; none: the
system)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from domain.identity.events import (
    RoleDefined,
    RoleDeleted,
    RoleDescribed,
    RolePermissionsUpdated,
    UserRoleChanged,
)
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
from domain.shared.events import DomainEvent

Metadata = dict[str, str | int | bool | None]

# context -> the event classes its audit entries come from
AUDITED: dict[str, tuple[type[DomainEvent], ...]] = {
    "identity": (
        UserRoleChanged,
        RoleDefined,
        RolePermissionsUpdated,
        RoleDescribed,
        RoleDeleted,
    ),
    "sharing": (
        CapabilityGranted,
        CapabilityRevoked,
        AccessGranted,
        AccessRevoked,
        AclClosed,
        GroupCreated,
        GroupUpdated,
        GroupDeleted,
        GroupMemberAdded,
        GroupMemberRemoved,
    ),
}

ACTIONS: dict[type[DomainEvent], tuple[str, str, str]] = {  # action, category, severity
    CapabilityGranted: ("grant.assigned", "grant", "info"),
    CapabilityRevoked: ("grant.removed", "grant", "warning"),
    AccessGranted: ("permission.granted", "permission", "info"),
    AccessRevoked: ("permission.revoked", "permission", "warning"),
    AclClosed: ("permission.closed", "permission", "warning"),
    GroupCreated: ("group.created", "permission", "info"),
    GroupUpdated: ("group.updated", "permission", "info"),
    GroupDeleted: ("group.deleted", "permission", "warning"),
    GroupMemberAdded: ("group.member_added", "permission", "info"),
    GroupMemberRemoved: ("group.member_removed", "permission", "warning"),
    UserRoleChanged: ("user.role_changed", "permission", "warning"),
    RoleDefined: ("role.created", "permission", "info"),
    RolePermissionsUpdated: ("role.permissions_updated", "permission", "warning"),
    RoleDescribed: ("role.updated", "permission", "info"),
    RoleDeleted: ("role.deleted", "permission", "warning"),
}
ACTION_NAMES = frozenset(action for action, _, _ in ACTIONS.values())
CATEGORIES = ("grant", "agent_run", "tool_call", "mcp", "config", "permission", "auth", "approval")
OUTCOMES = ("success", "failure", "denied", "pending")
SEVERITIES = ("info", "warning", "critical")
ACTOR_TYPES = ("user", "system", "agent", "service", "schedule", "webhook", "api")


@dataclass(frozen=True)
class Described:
    action: str
    category: str
    severity: str
    actor_id: str | None
    target_type: str
    target_id: str | None
    target_name: str | None = None
    metadata: Metadata = field(default_factory=dict)


def describe(event: DomainEvent) -> Described | None:
    known = ACTIONS.get(type(event))
    if known is None:
        return None
    action, category, severity = known
    target_type, target_id, target_name, metadata = _target(event)
    actor = _actor(event)
    return Described(
        action, category, severity, actor, target_type, target_id, target_name, metadata
    )


def _actor(event: DomainEvent) -> str | None:
    for name in ("by", "changed_by", "actor_id"):
        value = getattr(event, name, None)
        if value is not None:
            return str(value)
    return None


def _target(event: Any) -> tuple[str, str | None, str | None, Metadata]:
    if isinstance(event, CapabilityGranted | CapabilityRevoked):
        return event.principal_type, event.principal_id, None, {"capability": event.capability}
    if isinstance(event, AccessGranted | AccessRevoked | AclClosed):
        return _access(event)
    if isinstance(event, GroupMemberAdded | GroupMemberRemoved):
        return "user", event.user_id, None, {"groupId": str(event.originator_id)}
    if isinstance(event, GroupCreated | GroupUpdated | GroupDeleted):
        return "group", str(event.originator_id), getattr(event, "name", None), {}
    if isinstance(event, UserRoleChanged):
        return "user", str(event.originator_id), None, {"role": event.role, "from": event.previous}
    return "role", event.name, event.name, _role_metadata(event)


def _access(event: Any) -> tuple[str, str | None, str | None, Metadata]:
    metadata: Metadata = {"resourceType": event.resource_type, "resourceId": event.resource_id}
    if isinstance(event, AclClosed):
        return event.resource_type, event.resource_id, None, metadata
    if isinstance(event, AccessGranted):
        metadata |= {"accessRoleId": event.access_role_id, "permBits": event.perm_bits}
    return event.principal_type, event.principal_id, None, metadata


def _role_metadata(event: Any) -> Metadata:
    if isinstance(event, RolePermissionsUpdated):
        return {
            f"{kind}.{flag}": value
            for kind, flags in event.permissions.items()
            for flag, value in flags.items()
        }
    if isinstance(event, RoleDefined) and event.renamed_from:
        return {"renamedFrom": event.renamed_from}
    if isinstance(event, RoleDeleted) and event.renamed_to:
        return {"renamedTo": event.renamed_to}
    return {}
