"""/api/admin/roles: LibreChat's custom roles (create, rename, describe, delete), their
permission flags and their members (users whose role it is). ACCESS_ADMIN, and READ_ROLES to
read or MANAGE_ROLES to change. The role shown grants what `GET /api/roles/:roleName` grants:
stored flags, only for what is served."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.params import JSONBody

from api.admin.guards import admin
from api.admin.pagination import pagination
from api.deps import container_of
from api.identity.roles import SERVED
from application.bootstrap import Container
from application.identity.roles import RoleState
from domain.identity.role import (
    NOT_FOUND,
    validate_description,
    validate_name_param,
    validate_new_name,
    validate_permissions,
)
from domain.identity.roles import permissions
from domain.permissions.capabilities import MANAGE_ROLES, READ_ROLES
from domain.permissions.model import Principal
from domain.shared.errors import Invalid


def _read() -> dict[str, Any]:
    """A fresh Provide per route: Litestar fails a handler whose Provide another shares."""
    return admin(READ_ROLES)


def _manage() -> dict[str, Any]:
    return admin(MANAGE_ROLES)


BASE = "/api/admin/roles"


class CreateRole(msgspec.Struct, kw_only=True):
    """Loosely typed: the handler answers a wrong type in LibreChat's words."""

    name: Any = None
    description: Any = None
    permissions: Any = None


class UpdateRole(msgspec.Struct, kw_only=True):
    name: Any = None
    description: Any = None


class RolePermissions(msgspec.Struct, kw_only=True):
    permissions: Any = None


class RoleMember(msgspec.Struct, kw_only=True):
    userId: Any = None


class RolesController(Controller):
    path = BASE

    @get("/", dependencies=_read(), sync_to_thread=True)
    def list_roles(self, request: Request[Any, Any, Any], caller: UUID) -> dict[str, Any]:
        limit, offset = pagination(request)
        roles, total = container_of(request).roles.page(caller, limit, offset)
        listed = [{"_id": str(r.id), "name": r.name, "description": r.description} for r in roles]
        return {"roles": listed, "total": total, "limit": limit, "offset": offset}

    @post("/", dependencies=_manage(), sync_to_thread=True, status_code=201)
    def create_role(
        self, request: Request[Any, Any, Any], caller: UUID, data: JSONBody[CreateRole]
    ) -> dict[str, Any]:
        name = validate_new_name(data.name, required=True) or ""
        description = validate_description(data.description) or ""
        flags = {} if data.permissions is None else validate_permissions(data.permissions)
        return {"role": _role(container_of(request).roles.create(name, description, flags, caller))}

    @get("/{name:str}", dependencies=_read(), sync_to_thread=True)
    def get_role(self, request: Request[Any, Any, Any], caller: UUID, name: str) -> Response[Any]:
        state = container_of(request).roles.get(validate_name_param(name))
        if state is None:
            return Response({"error": NOT_FOUND}, status_code=404)
        return Response({"role": _role(state)})

    @patch("/{name:str}", dependencies=_manage(), sync_to_thread=True)
    def update_role(
        self, request: Request[Any, Any, Any], caller: UUID, name: str, data: JSONBody[UpdateRole]
    ) -> dict[str, Any]:
        validate_name_param(name)
        new_name = validate_new_name(data.name, required=False)
        description = validate_description(data.description)
        container = container_of(request)
        state = container.roles.update(name, new_name, description, caller)
        if state.name != name:
            _move_grants(container, name, state.name, caller)
        return {"role": _role(state)}

    @delete("/{name:str}", dependencies=_manage(), sync_to_thread=True, status_code=200)
    def delete_role(
        self, request: Request[Any, Any, Any], caller: UUID, name: str
    ) -> dict[str, Any]:
        container = container_of(request)
        container.roles.delete(validate_name_param(name), caller)
        _move_grants(container, name, None, caller)
        return {"success": True}

    @patch("/{name:str}/permissions", dependencies=_manage(), sync_to_thread=True)
    def update_permissions(
        self,
        request: Request[Any, Any, Any],
        caller: UUID,
        name: str,
        data: JSONBody[RolePermissions],
    ) -> Response[Any]:
        validate_name_param(name)
        flags = validate_permissions(data.permissions, "permissions object is required")
        roles = container_of(request).roles
        if roles.get(name) is None:
            return Response({"error": NOT_FOUND}, status_code=404)
        return Response({"role": _role(roles.update_permissions(name, flags, caller))})

    @get("/{name:str}/members", dependencies=_read(), sync_to_thread=True)
    def members(self, request: Request[Any, Any, Any], caller: UUID, name: str) -> Response[Any]:
        container = container_of(request)
        if container.roles.get(validate_name_param(name)) is None:
            return Response({"error": NOT_FOUND}, status_code=404)
        limit, offset = pagination(request)
        rows, total = container.directory.members(caller, name, limit, offset)
        listed = [
            {"userId": r.user_id, "name": r.name or r.user_id, "email": r.email or ""} for r in rows
        ]
        return Response({"members": listed, "total": total, "limit": limit, "offset": offset})

    @post("/{name:str}/members", dependencies=_manage(), sync_to_thread=True, status_code=200)
    def add_member(
        self, request: Request[Any, Any, Any], caller: UUID, name: str, data: JSONBody[RoleMember]
    ) -> dict[str, Any]:
        validate_name_param(name)
        if not data.userId or not isinstance(data.userId, str):
            raise Invalid("userId is required")
        container_of(request).roles.add_member(name, user_id(data.userId), caller)
        return {"success": True}

    @delete(
        "/{name:str}/members/{member:str}",
        dependencies=_manage(),
        status_code=200,
        sync_to_thread=True,
    )
    def remove_member(
        self, request: Request[Any, Any, Any], caller: UUID, name: str, member: str
    ) -> dict[str, Any]:
        validate_name_param(name)
        container_of(request).roles.remove_member(name, user_id(member), caller)
        return {"success": True}


def _move_grants(container: Container, name: str, to: str | None, caller: UUID) -> None:
    """The capabilities granted to a renamed role follow it; a deleted role's are revoked (a
    role created later under the name must not inherit them). The sharing store's commits,
    after the identity one: a failure here leaves grants to a name nobody holds."""
    capabilities = container.capabilities
    for capability in capabilities.granted_to(Principal.role(name)):
        if to is not None:
            capabilities.grant(Principal.role(to), capability, caller)
        capabilities.revoke(Principal.role(name), capability, caller)


def user_id(raw: str) -> UUID:
    try:
        return UUID(raw)
    except ValueError:
        raise Invalid("Invalid user ID format") from None


def _role(state: RoleState) -> dict[str, Any]:
    role: dict[str, Any] = {
        "_id": str(state.id),
        "name": state.name,
        "permissions": permissions(state.name, SERVED, state.permissions),
    }
    if state.description:
        role["description"] = state.description
    return role


ROUTES = [RolesController]
