"""/api/admin/grants: LibreChat's system capability grants to roles (list, the caller's
effective capabilities, one principal's grants, grant, revoke) on the permissions context's
Capabilities. ACCESS_ADMIN, then READ_ROLES / MANAGE_ROLES as LibreChat checks them; a
capability can be granted only by someone who holds it. Each grant and revoke is an event
(`sharing.CapabilityGranted` / `CapabilityRevoked`), listed in the admin audit log."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, delete, get, post
from litestar.params import JSONBody

from api.admin.guards import admin
from api.admin.pagination import pagination
from api.conversations.presenters import iso
from api.deps import container_of
from domain.permissions.capabilities import (
    ADMIN_ROLE,
    MANAGE_ROLES,
    READ_ROLES,
    is_valid_capability,
)
from domain.permissions.model import Principal

ROLE = "role"  # the only principal type LibreChat's admin grants route takes
INSUFFICIENT = "Insufficient permissions"


def _guard() -> dict[str, Any]:
    """A fresh Provide per route: Litestar fails a handler whose Provide another shares."""
    return admin()


class GrantBody(msgspec.Struct, kw_only=True):
    principalType: Any = None
    principalId: Any = None
    capability: Any = None


class GrantsController(Controller):
    path = "/api/admin/grants"

    @get("/", dependencies=_guard(), sync_to_thread=True)
    def list_grants(self, request: Request[Any, Any, Any], caller: UUID) -> dict[str, Any]:
        limit, offset = pagination(request)
        container = container_of(request)
        if not container.capabilities.has(caller, READ_ROLES):
            return {"grants": [], "total": 0, "limit": limit, "offset": offset}
        rows, total = container.admin_lists.grants(caller, [ROLE], limit, offset)
        return {
            "grants": [_grant(r) for r in rows],
            "total": total,
            "limit": limit,
            "offset": offset,
        }

    @get("/effective", dependencies=_guard(), sync_to_thread=True)
    def effective(self, request: Request[Any, Any, Any], caller: UUID) -> dict[str, Any]:
        return {"capabilities": sorted(container_of(request).capabilities.held(caller))}

    @get("/{principal_type:str}/{principal_id:str}", dependencies=_guard(), sync_to_thread=True)
    def principal_grants(
        self, request: Request[Any, Any, Any], caller: UUID, principal_type: str, principal_id: str
    ) -> Response[Any]:
        refused = _principal_error(principal_type, principal_id)
        if refused:
            return _error(400, refused)
        container = container_of(request)
        if not container.capabilities.has(caller, READ_ROLES):
            return _error(403, INSUFFICIENT)
        if principal_id == ADMIN_ROLE:  # every capability, by rule (LibreChat seeds grants)
            held = container.capabilities.granted_to(Principal.role(ADMIN_ROLE))
            return Response({"grants": [_held(ADMIN_ROLE, c) for c in held]})
        rows = container.admin_lists.grants_of(caller, principal_type, principal_id)
        return Response({"grants": [_grant(r) for r in rows]})

    @post("/", dependencies=_guard(), sync_to_thread=True, status_code=201)
    def assign(
        self, request: Request[Any, Any, Any], caller: UUID, data: JSONBody[GrantBody]
    ) -> Response[Any]:
        refused = _body_error(data)
        if refused:
            return _error(400, refused)
        container = container_of(request)
        capabilities = container.capabilities
        if not capabilities.has(caller, MANAGE_ROLES):
            return _error(403, INSUFFICIENT)
        if not capabilities.has(caller, data.capability):
            return _error(403, "Cannot grant a capability you do not possess")
        if container.roles.get(data.principalId) is None:
            return _error(400, "Role not found")
        capabilities.grant(Principal.role(data.principalId), data.capability, caller)
        rows = container.admin_lists.grants_of(caller, ROLE, data.principalId)
        grant = next(r for r in rows if r["capability"] == data.capability)
        return Response({"grant": _grant(grant)}, status_code=201)

    @delete(
        "/{principal_type:str}/{principal_id:str}/{capability:str}",
        dependencies=_guard(),
        sync_to_thread=True,
        status_code=200,
    )
    def revoke(
        self,
        request: Request[Any, Any, Any],
        caller: UUID,
        principal_type: str,
        principal_id: str,
        capability: str,
    ) -> Response[Any]:
        refused = _principal_error(principal_type, principal_id)
        if refused:
            return _error(400, refused)
        capability = unquote(capability)
        if not is_valid_capability(capability):
            return _error(400, "Invalid capability")
        capabilities = container_of(request).capabilities
        if not capabilities.has(caller, MANAGE_ROLES):
            return _error(403, INSUFFICIENT)
        capabilities.revoke(Principal.role(principal_id), capability, caller)
        return Response({"success": True})


def _principal_error(principal_type: str, principal_id: str) -> str | None:
    if principal_type != ROLE:
        return "Invalid principal type"
    if not principal_id:
        return "Principal ID is required"
    return None


def _body_error(body: GrantBody) -> str | None:
    if not isinstance(body.principalType, str):
        return "Invalid principal type"
    if body.principalId is None:
        return "Principal ID is required"
    if not isinstance(body.principalId, str):
        return "Principal ID must be a string"
    refused = _principal_error(body.principalType, body.principalId)
    if refused:
        return refused
    capability = body.capability
    if not capability or not isinstance(capability, str) or not is_valid_capability(capability):
        return "Invalid capability"
    return None


def _grant(row: dict[str, Any]) -> dict[str, Any]:
    grant = {
        "id": f"{row['principal_type']}:{row['principal_id']}:{row['capability']}",
        "principalType": row["principal_type"],
        "principalId": row["principal_id"],
        "capability": row["capability"],
        "grantedAt": iso(row["granted_at"]),
    }
    if row["granted_by"]:
        grant["grantedBy"] = row["granted_by"]
    return grant


def _held(role: str, capability: str) -> dict[str, Any]:
    return {
        "id": f"{ROLE}:{role}:{capability}",
        "principalType": ROLE,
        "principalId": role,
        "capability": capability,
    }


def _error(status: int, message: str) -> Response[Any]:
    return Response({"error": message}, status_code=status)


ROUTES = [GrantsController]
