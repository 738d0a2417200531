"""Permissions: the ACL of every resource, and the checks other contexts call.

Reads (effective bits, accessible ids, `require`) come from the effective-permissions read
model, current as of the request (see `AccessReads`). Changes are decided on the resource's
`ResourceAcl` aggregate. A holder of the resource type's manage capability (`manage:agents`
for agents, ...; ADMIN holds all) bypasses the ACL, as in LibreChat's `canAccessResource`.

How a context that owns resources uses this:
- on create: `create_owner(type, id, creator)`: the creator becomes owner (`<type>_owner`);
- on delete: `close(type, id, by)`: every entry goes;
- on each guarded request: `require(user, type, id, bits)`; for lists and search filters:
  `accessible_ids(user, type, min_bits)`;
- optionally `register_catalog(type, catalog)` so missing resources answer 404.
"""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

import domain.permissions.events  # noqa: F401 (registers the sharing topics with the mapper)
from application.permissions.capabilities import Capabilities
from application.permissions.ports import AccessReads, EntryView, ResourceCatalog, Users
from application.shared.store import EventStore, Position, retry_on_conflict
from domain.permissions.acl import Grant, Outcome, ResourceAcl, acl_id
from domain.permissions.capabilities import RESOURCE_CAPABILITY
from domain.permissions.group import Group
from domain.permissions.model import (
    AccessRole,
    PermissionBits,
    Principal,
    PrincipalType,
    is_resource_type,
    roles_for,
)
from domain.permissions.rules import check_resource
from domain.shared.errors import Forbidden, Invalid, NotFound


class Permissions:
    def __init__(
        self,
        store: EventStore,
        reads: AccessReads,
        capabilities: Capabilities,
        users: Users,
    ) -> None:
        self.store = store
        self.reads = reads
        self.capabilities = capabilities
        self.users = users
        self.catalogs: dict[str, ResourceCatalog] = {}

    # ------------------------------------------------------------- plugging in
    def register_catalog(self, resource_type: str, catalog: ResourceCatalog) -> None:
        """The owning context tells whether its resources exist (see ResourceCatalog)."""
        self.catalogs[resource_type] = catalog

    def resource_exists(self, resource_type: str, resource_id: str) -> bool | None:
        """None when no catalog is registered for the type (existence unknown)."""
        catalog = self.catalogs.get(resource_type)
        return None if catalog is None else catalog.exists(resource_id)

    # ------------------------------------------------------------------- reads
    def roles(self, resource_type: str) -> list[AccessRole]:
        """The access roles of a resource type (LibreChat's `getAvailableRoles`)."""
        _type(resource_type)
        return roles_for(resource_type)

    def bypasses(self, user_id: UUID, resource_type: str) -> bool:
        """Whether the user holds the capability that manages every resource of the type."""
        capability = RESOURCE_CAPABILITY.get(resource_type)
        return capability is not None and self.capabilities.has(user_id, capability)

    def effective_bits(self, user_id: UUID, resource_type: str, resource_id: str) -> int:
        """The OR of the bits of every entry naming one of the user's principals (0 for an
        unknown resource). A capability bypass is not counted here, as in LibreChat."""
        _type(resource_type)
        return self.reads.bits(user_id, resource_type, resource_id)

    def public_bits(self, resource_type: str, resource_id: str) -> int:
        """What everyone (signed in or not) may do: the public entry's bits, 0 without one.
        For anonymous viewers (a public shared link)."""
        _type(resource_type)
        return self.reads.public_bits(resource_type, resource_id)

    def effective_all(self, user_id: UUID, resource_type: str) -> dict[str, int]:
        """Resource id -> bits, for every resource of the type the user may VIEW."""
        _type(resource_type)
        found = self.reads.bits_by_resource(user_id, resource_type)
        return {rid: bits for rid, bits in found.items() if bits & PermissionBits.VIEW}

    def accessible_ids(
        self, user_id: UUID, resource_type: str, min_bits: int = PermissionBits.VIEW
    ) -> list[str]:
        """The ids of the resources of a type on which the user holds all of `min_bits`
        (what lists and search filter by)."""
        _type(resource_type)
        _bits(min_bits)
        found = self.reads.bits_by_resource(user_id, resource_type)
        return sorted(rid for rid, bits in found.items() if bits & min_bits == min_bits)

    def can(self, user_id: UUID, resource_type: str, resource_id: str, bits: int) -> bool:
        _bits(bits)
        if self.bypasses(user_id, resource_type):
            return True
        return self.effective_bits(user_id, resource_type, resource_id) & bits == bits

    def require(self, user_id: UUID, resource_type: str, resource_id: str, bits: int) -> None:
        """Raise unless the user may: LibreChat's `canAccessResource`. A resource the type's
        catalog says is missing is NotFound (`<type> not found`); otherwise a missing
        resource and a refused one look the same (Forbidden), so nothing leaks."""
        _type(resource_type)
        if self.bypasses(user_id, resource_type):
            return
        if self.resource_exists(resource_type, resource_id) is False:
            raise NotFound(f"{resource_type} not found")
        if not self.effective_bits(user_id, resource_type, resource_id) & bits == bits:
            raise Forbidden(f"Insufficient permissions to access this {resource_type}")

    def entries(self, resource_type: str, resource_id: str) -> list[EntryView]:
        """The resource's entries as the read model holds them."""
        _type(resource_type)
        return self.reads.entries(resource_type, resource_id)

    def acl(self, resource_type: str, resource_id: str) -> ResourceAcl | None:
        """The resource's ACL aggregate (write side), None before anything was granted."""
        try:
            return self.store.load(ResourceAcl, acl_id(resource_type, resource_id))
        except NotFound:
            return None

    # ------------------------------------------------------------------ writes
    def create_owner(self, resource_type: str, resource_id: str, owner: UUID) -> Position | None:
        """A new resource: its creator becomes its owner. A resource whose ACL exists
        already (another creator, or a retry) is refused: ids are not shared."""
        check_resource(resource_type, resource_id)
        acl = ResourceAcl.open(resource_type, resource_id, owner)
        if self.store.exists(acl.id):
            raise Invalid(f"Resource {resource_type} {resource_id} already exists")
        return self.store.commit(acl, actor=owner)

    def update(
        self,
        resource_type: str,
        resource_id: str,
        by: UUID,
        grants: Sequence[Grant] = (),
        revokes: Sequence[Principal] = (),
    ) -> Outcome:
        """LibreChat's `bulkUpdateResourcePermissions`, decided on the aggregate: the caller
        needs SHARE on the resource or the type's manage capability. Grants to users that do
        not exist are skipped (LibreChat's controller skips principals it cannot find)."""
        check_resource(resource_type, resource_id)
        grants = [g for g in grants if self._known(g.principal)]
        acting_as = self.capabilities.principals(by)
        bypass = self.bypasses(by, resource_type)

        def decide() -> Outcome:
            acl = self.acl(resource_type, resource_id)
            if acl is None:
                acl = ResourceAcl.open(resource_type, resource_id, owner=None)
            outcome = acl.update(grants, revokes, by, acting_as, bypass)
            self.store.commit(acl, actor=by)
            return outcome

        return retry_on_conflict(decide)

    def grant(
        self,
        resource_type: str,
        resource_id: str,
        by: UUID,
        principal: Principal,
        access_role_id: str,
    ) -> Outcome:
        """One grant, decided as `update` decides (e.g. a new shared link made public by its
        owner: `grant("sharedLink", id, owner, Principal.public(), "sharedLink_viewer")`)."""
        return self.update(resource_type, resource_id, by, [Grant(principal, access_role_id)])

    def revoke(
        self, resource_type: str, resource_id: str, by: UUID, principal: Principal
    ) -> Outcome:
        return self.update(resource_type, resource_id, by, revokes=[principal])

    def close(self, resource_type: str, resource_id: str, by: UUID | None) -> Position | None:
        """The resource was deleted: every entry goes with it."""

        def decide() -> Position | None:
            acl = self.acl(resource_type, resource_id)
            if acl is None:
                return None
            acl.close(by)
            return self.store.commit(acl, actor=by)

        return retry_on_conflict(decide)

    def _known(self, principal: Principal) -> bool:
        if principal.type not in (PrincipalType.USER, PrincipalType.GROUP) or not principal.id:
            return True
        try:
            principal_id = UUID(principal.id)
        except ValueError:
            return True  # the aggregate refuses the malformed id with its reason
        if principal.type == PrincipalType.USER:
            return self.users.exists(principal_id)
        try:
            return not self.store.load(Group, principal_id).deleted
        except NotFound:
            return False


def _type(resource_type: str) -> None:
    if not is_resource_type(resource_type):
        raise Invalid(f"Invalid resourceType: {resource_type}")


def _bits(bits: int) -> None:
    if not isinstance(bits, int) or bits < 1 or bits > 15:
        raise Invalid("requiredPermission must be a positive number")
