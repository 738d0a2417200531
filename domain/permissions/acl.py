"""ResourceAcl: who may do what with one resource. One aggregate per (resource type, id), so a
resource's entries change atomically and each PUT is decided on its current state."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

import msgspec

from domain.permissions.events import AccessGranted, AccessRevoked, AclClosed, AclOpened
from domain.permissions.model import (
    PermissionBits,
    Principal,
    PrincipalType,
    access_role,
    owner_role,
)
from domain.permissions.rules import check_principal, check_resource
from domain.shared.aggregate import Aggregate, applies
from domain.shared.errors import Conflict, Forbidden, Invalid

_NAMESPACE = uuid5(NAMESPACE_URL, "chronicle:sharing:acl")


def acl_id(resource_type: str, resource_id: str) -> UUID:
    """The ACL of a resource has one id, whoever asks: a second creator conflicts with it."""
    return uuid5(_NAMESPACE, f"{resource_type}\x1f{resource_id}")


class Entry(msgspec.Struct, frozen=True, kw_only=True):
    principal: Principal
    access_role_id: str
    perm_bits: int
    granted_by: UUID | None
    granted_at: datetime


class Grant(msgspec.Struct, frozen=True):
    """Give `principal` the access role `access_role_id` (replacing the role it had)."""

    principal: Principal
    access_role_id: str


class Outcome(msgspec.Struct, frozen=True):
    """What an update asked for, as LibreChat reports it: the grants applied and the
    principals revoked (whether or not they had an entry)."""

    granted: tuple[Grant, ...]
    revoked: tuple[Principal, ...]


class ResourceAcl(Aggregate):
    resource_type: str
    resource_id: str
    owner: UUID | None
    entries: dict[str, Entry]
    closed: bool

    @classmethod
    def open(cls, resource_type: str, resource_id: str, owner: UUID | None) -> ResourceAcl:
        """A new resource's ACL; its creator (when there is one) becomes its owner."""
        check_resource(resource_type, resource_id)
        acl = cls(acl_id(resource_type, resource_id))
        acl._record(
            AclOpened, resource_type=resource_type, resource_id=resource_id, owner=owner, by=owner
        )
        if owner is not None:
            role = owner_role(resource_type)
            acl._grant(Principal.user(owner), role.access_role_id, owner)
        return acl

    # ------------------------------------------------------------------ reads
    def bits_for(self, principals: Iterable[Principal]) -> int:
        """The bitwise OR of the entries naming any of `principals` (LibreChat's
        effective permission)."""
        keys = {p.key for p in principals}
        bits = 0
        for key, entry in self.entries.items():
            if key in keys:
                bits |= entry.perm_bits
        return bits

    def owners(self) -> list[Principal]:
        """Principals other than public holding SHARE (only owner roles carry it)."""
        return [
            e.principal
            for e in self.entries.values()
            if e.perm_bits & PermissionBits.SHARE and e.principal.type != PrincipalType.PUBLIC
        ]

    # --------------------------------------------------------------- commands
    def update(
        self,
        grants: Sequence[Grant],
        revokes: Sequence[Principal],
        by: UUID | None,
        acting_as: Iterable[Principal] = (),
        bypass: bool = False,
    ) -> Outcome:
        """LibreChat's bulk update: grants first, then revokes. A principal both granted and
        revoked keeps its grant (no owner locks themself out by a stale diff), except public,
        where disabling always wins. Refused as a whole (nothing recorded) when the caller
        holds no SHARE on the resource (unless `bypass`: a capability holder), when a role
        does not exist or is for another resource type, or when no owner would remain."""
        if self.closed:
            raise Conflict("The resource was deleted")
        if not bypass and not self.bits_for(acting_as) & PermissionBits.SHARE:
            raise Forbidden(f"Insufficient permissions to access this {self.resource_type}")
        for grant in grants:
            self._check_grant(grant)
        for principal in revokes:
            check_principal(principal)
        kept = {g.principal.key for g in grants if g.principal.type != PrincipalType.PUBLIC}
        revoked = tuple(p for p in revokes if p.key not in kept)
        if self.owners() and not self._owners_after(grants, revoked):
            raise Invalid("A resource must keep at least one owner")
        for grant in grants:
            self._grant(grant.principal, grant.access_role_id, by)
        for principal in revoked:
            self._revoke(principal, by)
        return Outcome(tuple(grants), revoked)

    def _owners_after(self, grants: Sequence[Grant], revoked: Sequence[Principal]) -> bool:
        bits = {key: entry.perm_bits for key, entry in self.entries.items()}
        for grant in grants:
            role = access_role(grant.access_role_id)
            bits[grant.principal.key] = role.perm_bits if role else 0
        for principal in revoked:
            bits.pop(principal.key, None)
        public = Principal.public().key
        return any(b & PermissionBits.SHARE for k, b in bits.items() if k != public)

    def close(self, by: UUID | None) -> None:
        """The resource was deleted: nobody keeps access to it."""
        if not self.closed:
            self._record(
                AclClosed, resource_type=self.resource_type, resource_id=self.resource_id, by=by
            )

    def _check_grant(self, grant: Grant) -> None:
        check_principal(grant.principal)
        role = access_role(grant.access_role_id)
        if role is None:
            raise Invalid(f"Role {grant.access_role_id} not found")
        if role.resource_type != self.resource_type:
            raise Invalid(
                f"Role {grant.access_role_id} is for {role.resource_type} resources, "
                f"not {self.resource_type}"
            )

    def _grant(self, principal: Principal, access_role_id: str, by: UUID | None) -> None:
        current = self.entries.get(principal.key)
        if current is not None and current.access_role_id == access_role_id:
            return
        role = access_role(access_role_id)
        assert role is not None
        self._record(
            AccessGranted,
            resource_type=self.resource_type,
            resource_id=self.resource_id,
            principal_type=principal.type,
            principal_id=principal.id,
            access_role_id=access_role_id,
            perm_bits=role.perm_bits,
            by=by,
        )

    def _revoke(self, principal: Principal, by: UUID | None) -> None:
        if principal.key in self.entries:
            self._record(
                AccessRevoked,
                resource_type=self.resource_type,
                resource_id=self.resource_id,
                principal_type=principal.type,
                principal_id=principal.id,
                by=by,
            )

    # --------------------------------------------------------------- appliers
    @applies(AclOpened)
    def _opened(self, event: AclOpened) -> None:
        self.resource_type = event.resource_type
        self.resource_id = event.resource_id
        self.owner = event.owner
        self.entries = {}
        self.closed = False

    @applies(AccessGranted)
    def _granted(self, event: AccessGranted) -> None:
        principal = Principal(event.principal_type, event.principal_id)
        entries = dict(self.entries)
        entries[principal.key] = Entry(
            principal=principal,
            access_role_id=event.access_role_id,
            perm_bits=event.perm_bits,
            granted_by=event.by,
            granted_at=event.timestamp,
        )
        self.entries = entries

    @applies(AccessRevoked)
    def _revoked(self, event: AccessRevoked) -> None:
        key = Principal(event.principal_type, event.principal_id).key
        self.entries = {k: v for k, v in self.entries.items() if k != key}

    @applies(AclClosed)
    def _closed(self, event: AclClosed) -> None:
        self.entries = {}
        self.closed = True

    def owner_id(self) -> UUID:
        return self.owner or self.id
