"""Sharing events: ACL entries, groups and capability grants, in the `sharing` store. Topics
are the storage contract: never change one.

Principals are named by type and id (a user's or group's id, a role's name; `None` for
public). None of these events holds personal data (`personal = ()`): ids, role and capability
names, and a group's own name and address, which describe the group, not a person. Each event
names who made the change (`by`, a user id; `None` for the system, e.g. a resource's creation
by a command of another context)."""

from __future__ import annotations

from uuid import UUID

from domain.shared.events import DomainEvent


class SharingEvent(DomainEvent, frozen=True, kw_only=True):
    personal = ()
    by: UUID | None = None


class AclOpened(SharingEvent, frozen=True, kw_only=True):
    """A resource's ACL exists; its creator (`owner`) is granted the owner role next."""

    TOPIC = "sharing.AclOpened"
    resource_type: str
    resource_id: str
    owner: UUID | None = None


class AccessGranted(SharingEvent, frozen=True, kw_only=True):
    """A principal's entry set to an access role (new, or replacing its previous role)."""

    TOPIC = "sharing.AccessGranted"
    resource_type: str
    resource_id: str
    principal_type: str
    principal_id: str | None
    access_role_id: str
    perm_bits: int


class AccessRevoked(SharingEvent, frozen=True, kw_only=True):
    """A principal's entry removed."""

    TOPIC = "sharing.AccessRevoked"
    resource_type: str
    resource_id: str
    principal_type: str
    principal_id: str | None


class AclClosed(SharingEvent, frozen=True, kw_only=True):
    """The resource is gone: every entry is removed with it."""

    TOPIC = "sharing.AclClosed"
    resource_type: str
    resource_id: str


class GroupCreated(SharingEvent, frozen=True, kw_only=True):
    TOPIC = "sharing.GroupCreated"
    name: str
    description: str | None = None
    email: str | None = None
    avatar: str | None = None
    source: str = "local"
    id_on_the_source: str | None = None


class GroupUpdated(SharingEvent, frozen=True, kw_only=True):
    """The group's descriptive fields after the change (all of them, changed or not)."""

    TOPIC = "sharing.GroupUpdated"
    name: str
    description: str | None = None
    email: str | None = None
    avatar: str | None = None


class GroupMemberAdded(SharingEvent, frozen=True, kw_only=True):
    TOPIC = "sharing.GroupMemberAdded"
    user_id: str


class GroupMemberRemoved(SharingEvent, frozen=True, kw_only=True):
    TOPIC = "sharing.GroupMemberRemoved"
    user_id: str


class GroupDeleted(SharingEvent, frozen=True, kw_only=True):
    """The group is gone: its members lose what it was granted."""

    TOPIC = "sharing.GroupDeleted"


class CapabilityGranted(SharingEvent, frozen=True, kw_only=True):
    """A system capability granted to a principal (LibreChat's SystemGrant)."""

    TOPIC = "sharing.CapabilityGranted"
    principal_type: str
    principal_id: str
    capability: str


class CapabilityRevoked(SharingEvent, frozen=True, kw_only=True):
    TOPIC = "sharing.CapabilityRevoked"
    principal_type: str
    principal_id: str
    capability: str


ACL_EVENTS = (AclOpened, AccessGranted, AccessRevoked, AclClosed)
GROUP_EVENTS = (GroupCreated, GroupUpdated, GroupMemberAdded, GroupMemberRemoved, GroupDeleted)
GRANT_EVENTS = (CapabilityGranted, CapabilityRevoked)
