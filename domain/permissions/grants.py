"""CapabilityHolder: the system capabilities granted to one principal (LibreChat's
SystemGrant documents of that principal). One aggregate per principal, so its grants change
atomically; a user's capabilities are the union over their principals."""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5

from domain.permissions.capabilities import ADMIN_ROLE, is_valid_capability
from domain.permissions.events import CapabilityGranted, CapabilityRevoked
from domain.permissions.model import Principal, PrincipalType
from domain.permissions.rules import check_principal
from domain.shared.aggregate import Aggregate, applies
from domain.shared.errors import Invalid

_NAMESPACE = uuid5(NAMESPACE_URL, "chronicle:sharing:grants")


def holder_id(principal: Principal) -> UUID:
    return uuid5(_NAMESPACE, principal.key)


class CapabilityHolder(Aggregate):
    principal_type: str
    principal_id: str
    capabilities: list[str]

    @classmethod
    def of(cls, principal: Principal) -> CapabilityHolder:
        """A principal that holds nothing yet (nothing is recorded until a grant)."""
        check_principal(principal)
        if principal.type == PrincipalType.PUBLIC or principal.id is None:
            raise Invalid("Capabilities are granted to users, groups and roles only")
        holder = cls(holder_id(principal))
        holder.principal_type = principal.type
        holder.principal_id = principal.id
        holder.capabilities = []
        return holder

    @property
    def principal(self) -> Principal:
        return Principal(self.principal_type, self.principal_id)

    def grant(self, capability: str, by: UUID | None) -> bool:
        """True when newly granted (granting again records nothing)."""
        if not is_valid_capability(capability):
            raise Invalid(f"Invalid capability: {capability}")
        if capability in self.capabilities:
            return False
        self._record(CapabilityGranted, **self._names(), capability=capability, by=by)
        return True

    def revoke(self, capability: str, by: UUID | None) -> bool:
        """True when it was held. The ADMIN role's capabilities are a rule, not grants."""
        if not is_valid_capability(capability):
            raise Invalid(f"Invalid capability: {capability}")
        if self.principal == Principal.role(ADMIN_ROLE):
            raise Invalid("The ADMIN role holds every capability")
        if capability not in self.capabilities:
            return False
        self._record(CapabilityRevoked, **self._names(), capability=capability, by=by)
        return True

    def _names(self) -> dict[str, str]:
        return {"principal_type": self.principal_type, "principal_id": self.principal_id}

    @applies(CapabilityGranted)
    def _granted(self, event: CapabilityGranted) -> None:
        self.principal_type = event.principal_type
        self.principal_id = event.principal_id
        self.capabilities = [*getattr(self, "capabilities", []), event.capability]

    @applies(CapabilityRevoked)
    def _revoked(self, event: CapabilityRevoked) -> None:
        self.capabilities = [c for c in self.capabilities if c != event.capability]
