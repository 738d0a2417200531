"""LibreChat's system capabilities: who may use the admin surface, and for what.

ADMIN holds every capability. Anyone else holds what was granted to them, their groups or
their role (the permissions context's system grants, when it is wired in: `granted`), and what
a held capability implies (`manage:x` implies `read:x`). The user's role is read from their
aggregate on every check, so a changed or removed role applies from their next request."""

from __future__ import annotations

from collections.abc import Callable, Collection
from uuid import UUID

from application.identity.service import IdentityService
from domain.identity.rules import ADMIN
from domain.shared.errors import NotFound

ACCESS_ADMIN = "access:admin"
READ_USERS, MANAGE_USERS = "read:users", "manage:users"
READ_GROUPS, MANAGE_GROUPS = "read:groups", "manage:groups"
READ_ROLES, MANAGE_ROLES = "read:roles", "manage:roles"
READ_AUDIT_LOG = "read:audit_log"

IMPLIED_BY: dict[str, tuple[str, ...]] = {
    READ_USERS: (MANAGE_USERS,),
    READ_GROUPS: (MANAGE_GROUPS,),
    READ_ROLES: (MANAGE_ROLES,),
    "read:configs": ("manage:configs",),
    "read:agents": ("manage:agents",),
    "read:prompts": ("manage:prompts",),
    "read:skills": ("manage:skills",),
    "read:sharedlinks": ("manage:sharedlinks",),
    "read:assistants": ("manage:assistants",),
}

# (user id, role) -> the capabilities granted to the user, their groups and their role
Granted = Callable[[UUID, str], Collection[str]]


class Capabilities:
    def __init__(self, identity: IdentityService, granted: Granted | None = None) -> None:
        self.identity = identity
        self.granted = granted

    def role_of(self, user_id: UUID) -> str | None:
        try:
            return self.identity.profile(user_id).role
        except NotFound:
            return None

    def holds(self, user_id: UUID, *capabilities: str) -> bool:
        """Every one of `capabilities` (a deleted user holds none)."""
        role = self.role_of(user_id)
        if role is None:
            return False
        if role == ADMIN:
            return True
        held = set(self.granted(user_id, role)) if self.granted else set()
        return all(implied(held, capability) for capability in capabilities)


def implied(held: Collection[str], capability: str) -> bool:
    return capability in held or any(c in held for c in IMPLIED_BY.get(capability, ()))
