"""System capabilities: grant, revoke, and ask whether a user holds one (through their own
grants, their role's, or a group's; ADMIN holds all)."""

from __future__ import annotations

from uuid import UUID

import domain.permissions.events  # noqa: F401 (registers the sharing topics with the mapper)
from application.permissions.ports import AccessReads
from application.shared.store import EventStore, retry_on_conflict
from domain.permissions.capabilities import ADMIN_ROLE, SYSTEM_CAPABILITIES, expand, holds
from domain.permissions.grants import CapabilityHolder, holder_id
from domain.permissions.model import Principal, principals_of
from domain.shared.errors import NotFound


class Capabilities:
    def __init__(self, store: EventStore, reads: AccessReads) -> None:
        self.store = store
        self.reads = reads

    def principals(self, user_id: UUID) -> list[Principal]:
        """The user's principals (user, role, groups, public) as of now."""
        return principals_of(user_id, self.reads.role_of(user_id), self.reads.groups_of(user_id))

    def has(self, user_id: UUID, capability: str) -> bool:
        principals = self.principals(user_id)
        roles = [p.id for p in principals if p.type == "role" and p.id]
        if ADMIN_ROLE in roles:
            return True
        return holds(self.reads.capabilities_of(principals), capability)

    def held(self, user_id: UUID) -> set[str]:
        """Everything the user holds, implications expanded."""
        principals = self.principals(user_id)
        if Principal.role(ADMIN_ROLE) in principals:
            return set(SYSTEM_CAPABILITIES)
        return expand(self.reads.capabilities_of(principals))

    def granted_to(self, principal: Principal) -> list[str]:
        """The capabilities granted to one principal directly (from its events)."""
        if principal == Principal.role(ADMIN_ROLE):
            return list(SYSTEM_CAPABILITIES)
        holder = self._holder(principal)
        return list(holder.capabilities)

    def grant(self, principal: Principal, capability: str, by: UUID | None) -> bool:
        """True when newly granted."""

        def decide() -> bool:
            holder = self._holder(principal)
            granted = holder.grant(capability, by)
            self.store.commit(holder, actor=by)
            return granted

        return retry_on_conflict(decide)

    def revoke(self, principal: Principal, capability: str, by: UUID | None) -> bool:
        """True when it was held."""

        def decide() -> bool:
            holder = self._holder(principal)
            revoked = holder.revoke(capability, by)
            self.store.commit(holder, actor=by)
            return revoked

        return retry_on_conflict(decide)

    def _holder(self, principal: Principal) -> CapabilityHolder:
        fresh = CapabilityHolder.of(principal)  # checks the principal
        try:
            return self.store.load(CapabilityHolder, holder_id(principal))
        except NotFound:
            return fresh
