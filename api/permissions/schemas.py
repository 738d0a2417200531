"""Request bodies of the permission routes (LibreChat's `updateResourcePermissionsRequestSchema`).

Display fields a client echoes back (name, email, avatar, ...) are accepted and returned in
the answer as LibreChat returns them; only type, id and accessRoleId decide anything."""

from __future__ import annotations

import msgspec


class PrincipalBody(msgspec.Struct, kw_only=True, rename="camel"):
    type: str
    id: str | None = None
    name: str | None = None
    email: str | None = None
    source: str | None = None
    avatar: str | None = None
    description: str | None = None
    id_on_the_source: str | None = None
    access_role_id: str | None = None
    member_count: int | None = None


class UpdatePermissionsBody(msgspec.Struct, kw_only=True, rename="camel"):
    updated: list[PrincipalBody] = []
    removed: list[PrincipalBody] = []
    public: bool | None = None
    public_access_role_id: str | None = None
