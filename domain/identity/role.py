"""The Role aggregate: a role document (its permission flags and description) as an admin
changes it. Its id is derived from the name, so a name is unique by aggregate id (a second
create of the same name conflicts on the aggregate's version) and a role is found by name.

The built-in roles (ADMIN, USER) exist without any event: their aggregate is first written
when an admin first changes them. A rename moves the document to the new name's aggregate
(`RoleDeleted.renamed_to` on the old, `RoleDefined.renamed_from` on the new)."""

from __future__ import annotations

import re
from datetime import datetime
from uuid import UUID, uuid5

from domain.identity.events import (
    Permissions,
    RoleDefined,
    RoleDeleted,
    RoleDescribed,
    RolePermissionsUpdated,
)
from domain.identity.roles import FLAGS
from domain.identity.rules import ROLES
from domain.shared.aggregate import Aggregate, applies
from domain.shared.errors import Conflict, Invalid, NotFound

_NAMESPACE = UUID("3b0f6a2e-7c1d-4e59-8a47-2f4d9c6b1e80")
MAX_NAME, MAX_DESCRIPTION = 500, 2000
# LibreChat allows 500; a role is a principal whose name the permission read models key on
# (64 characters there), so a new role's name is held to that
MAX_NEW_NAME = 64
RESERVED = frozenset({"members", "permissions"})  # sub-paths of /api/admin/roles/:name
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
NOT_FOUND = "Role not found"


def role_id(name: str) -> UUID:
    return uuid5(_NAMESPACE, name)


def is_builtin(name: str) -> bool:
    """LibreChat compares case-insensitively: `admin` is as reserved as `ADMIN`."""
    return name.upper() in ROLES


class Role(Aggregate):
    name: str
    description: str
    permissions: Permissions  # the flags admins set; unset flags keep the role's defaults
    deleted: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def define(
        cls,
        name: str,
        *,
        description: str = "",
        permissions: Permissions | None = None,
        renamed_from: str = "",
        actor_id: UUID | None = None,
    ) -> Role:
        role = cls(role_id(name))
        role._define(name, description, permissions or {}, renamed_from, actor_id)
        return role

    def redefine(
        self,
        *,
        description: str = "",
        permissions: Permissions | None = None,
        renamed_from: str = "",
        actor_id: UUID | None = None,
    ) -> None:
        """The name of a deleted role taken again: a new document, none of the old flags."""
        if not self.deleted:
            raise Conflict(f'Role "{self.name}" already exists')
        self._define(self.name, description, permissions or {}, renamed_from, actor_id)

    def _define(
        self,
        name: str,
        description: str,
        permissions: Permissions,
        renamed_from: str,
        actor_id: UUID | None,
    ) -> None:
        self._record(
            RoleDefined,
            name=name,
            description=description,
            permissions=permissions,
            renamed_from=renamed_from,
            actor_id=actor_id,
        )

    def update_permissions(self, permissions: Permissions, actor_id: UUID | None) -> None:
        self._require_live()
        changed = {
            kind: flags
            for kind, flags in permissions.items()
            if any(self.permissions.get(kind, {}).get(f) is not v for f, v in flags.items())
        }
        if changed:
            self._record(
                RolePermissionsUpdated, name=self.name, permissions=changed, actor_id=actor_id
            )

    def describe(self, description: str, actor_id: UUID | None) -> None:
        self._require_live()
        if description != self.description:
            self._record(RoleDescribed, name=self.name, description=description, actor_id=actor_id)

    def delete(self, actor_id: UUID | None, renamed_to: str = "") -> None:
        self._require_live()
        self._record(RoleDeleted, name=self.name, renamed_to=renamed_to, actor_id=actor_id)

    def _require_live(self) -> None:
        if self.deleted:
            raise NotFound(NOT_FOUND)

    @applies(RoleDefined)
    def _defined(self, event: RoleDefined) -> None:
        self.name, self.description = event.name, event.description
        self.permissions = {kind: dict(flags) for kind, flags in event.permissions.items()}
        self.deleted = False
        self.created_at = self.updated_at = event.timestamp

    @applies(RolePermissionsUpdated)
    def _permissions_updated(self, event: RolePermissionsUpdated) -> None:
        merged = {kind: dict(flags) for kind, flags in self.permissions.items()}
        for kind, flags in event.permissions.items():
            merged.setdefault(kind, {}).update(flags)
        self.permissions = merged
        self.updated_at = event.timestamp

    @applies(RoleDescribed)
    def _described(self, event: RoleDescribed) -> None:
        self.description = event.description
        self.updated_at = event.timestamp

    @applies(RoleDeleted)
    def _deleted(self, event: RoleDeleted) -> None:
        self.deleted = True
        self.updated_at = event.timestamp


# ------------------------------------------------------------------ validation (LibreChat's)
def validate_name_param(name: str) -> str:
    if not name:
        raise Invalid("name parameter is required")
    if len(name) > MAX_NAME:
        raise Invalid(f"name must not exceed {MAX_NAME} characters")
    if _CONTROL.search(name):
        raise Invalid("name contains invalid characters")
    return name


def validate_new_name(name: object, required: bool) -> str | None:
    """The trimmed name of a created or renamed role; None when optional and absent."""
    if name is None:
        if required:
            raise Invalid("name is required")
        return None
    if not isinstance(name, str) or not name.strip():
        raise Invalid("name is required" if required else "name must be a non-empty string")
    trimmed = name.strip()
    validate_name_param(trimmed)
    if len(trimmed) > MAX_NEW_NAME:
        raise Invalid(f"name must not exceed {MAX_NEW_NAME} characters")
    if trimmed in RESERVED:
        raise Invalid("name is a reserved path segment")
    return trimmed


def validate_description(description: object) -> str | None:
    if description is None:
        return None
    if not isinstance(description, str):
        raise Invalid("description must be a string")
    if len(description) > MAX_DESCRIPTION:
        raise Invalid(f"description must not exceed {MAX_DESCRIPTION} characters")
    if "\x00" in description:
        raise Invalid("description contains invalid characters")
    return description


def validate_permissions(raw: object, error: str = "permissions must be an object") -> Permissions:
    """Permission types and flags LibreChat knows; others are dropped, as its schemas strip
    unknown keys. A flag that is not a boolean is refused."""
    if not isinstance(raw, dict):
        raise Invalid(error)
    clean: Permissions = {}
    for kind, flags in raw.items():
        if kind not in FLAGS:
            continue
        clean[kind] = validate_flags(kind, flags, error)
    return clean


def validate_flags(kind: str, raw: object, error: str) -> dict[str, bool]:
    if not isinstance(raw, dict):
        raise Invalid(error)
    flags = {}
    for flag, value in raw.items():
        if flag not in FLAGS[kind]:
            continue
        if not isinstance(value, bool):
            raise Invalid(error)
        flags[flag] = value
    return flags
