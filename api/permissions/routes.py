"""`/api/permissions/*` (LibreChat's `accessPermissions.js` and `PermissionsController.js`).

Every route needs a signed-in, unbanned user. Reading or changing a resource's principals
needs SHARE on it (or the type's manage capability); the effective-bits routes answer the
caller's own bits. A resource the caller may not see answers the same 403 whether it exists
or not, so nothing leaks."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, put
from litestar.di import Provide
from litestar.exceptions import ValidationException
from litestar.params import JSONBody

from api.deps import container_of, provide_user_id
from api.errors import validation_reason
from api.permissions import presenters as present
from api.permissions.guards import (
    Refused,
    people_picker,
    resource_access,
    share_policy,
)
from api.permissions.schemas import PrincipalBody, UpdatePermissionsBody
from application.bootstrap import Container
from domain.identity.rules import ADMIN, USER
from domain.permissions.acl import Grant
from domain.permissions.model import PermissionBits, Principal, is_resource_type
from domain.shared.errors import DomainError, Forbidden, Unavailable
from projections.permissions import queries
from projections.permissions.people import search_users, users_by_id

SHARE = PermissionBits.SHARE
PICKABLE = ("user", "group", "role")
ROLES = (ADMIN, USER)
SEARCHED = ("permissions", "user_directory")
OWNER_FIXED = "Shared link owner permissions cannot be changed"


def _refused(_: Request[Any, Any, Any], error: Refused) -> Response[Any]:
    return error.response


def _bad_update(_: Request[Any, Any, Any], error: ValidationException) -> Response[Any]:
    return Response(
        {"error": "Failed to update permissions", "details": validation_reason(error)},
        status_code=400,
    )


class PermissionsController(Controller):
    path = "/api/permissions"
    dependencies = {"user_id": Provide(provide_user_id)}
    exception_handlers = {Refused: _refused}

    @get("/search-principals", sync_to_thread=True)
    def search_principals(self, request: Request[Any, Any, Any], user_id: UUID) -> Response[Any]:
        container = container_of(request)
        params = request.query_params
        wanted = _types(params.getall("types", []) + params.getall("type", []))
        people_picker(container, user_id, wanted)
        raw = params.get("q")
        if raw is None or not raw.strip():
            return _error(400, 'Query parameter "q" is required and must not be empty')
        query = raw.strip()
        if len(query) < 2:
            return _error(400, "Query must be at least 2 characters long")
        limit = _limit(params.get("limit"))
        filters = _types(params.getall("types", [])) or None
        container.consistency.wait(user_id, SEARCHED)
        found = present.by_relevance(_search(container, query, limit, filters), query)[:limit]
        return Response(
            {
                "query": query,
                "limit": limit,
                "types": filters,
                "results": found,
                "count": len(found),
                "sources": {
                    "local": sum(1 for r in found if r["source"] == "local"),
                    "entra": sum(1 for r in found if r["source"] == "entra"),
                },
            }
        )

    @get("/{resource_type:str}/roles", sync_to_thread=True)
    def roles(self, request: Request[Any, Any, Any], user_id: UUID, resource_type: str) -> Any:
        if not is_resource_type(resource_type):
            return _failed("Failed to get roles", f"Invalid resourceType: {resource_type}")
        roles = container_of(request).permissions.roles(resource_type)
        return [present.access_role_json(r) for r in roles]

    @get("/{resource_type:str}/effective/all", sync_to_thread=True)
    def effective_all(
        self, request: Request[Any, Any, Any], user_id: UUID, resource_type: str
    ) -> Any:
        if not is_resource_type(resource_type):
            return _failed(
                "Failed to get all effective permissions", f"Invalid resourceType: {resource_type}"
            )
        return container_of(request).permissions.effective_all(user_id, resource_type)

    @get("/{resource_type:str}/{resource_id:str}/effective", sync_to_thread=True)
    def effective(
        self, request: Request[Any, Any, Any], user_id: UUID, resource_type: str, resource_id: str
    ) -> Any:
        if not is_resource_type(resource_type):
            return _failed(
                "Failed to get effective permissions", f"Invalid resourceType: {resource_type}"
            )
        bits = container_of(request).permissions.effective_bits(user_id, resource_type, resource_id)
        return {"permissionBits": bits}

    @get("/{resource_type:str}/{resource_id:str}", sync_to_thread=True)
    def principals(
        self, request: Request[Any, Any, Any], user_id: UUID, resource_type: str, resource_id: str
    ) -> dict[str, Any]:
        container = container_of(request)
        resource_access(container, user_id, resource_type, resource_id, SHARE)
        return _principals(container, resource_type, resource_id)

    @put(
        "/{resource_type:str}/{resource_id:str}",
        sync_to_thread=True,
        exception_handlers={ValidationException: _bad_update, Refused: _refused},
    )
    def update(
        self,
        request: Request[Any, Any, Any],
        user_id: UUID,
        resource_type: str,
        resource_id: str,
        data: JSONBody[UpdatePermissionsBody],
    ) -> Response[Any]:
        container = container_of(request)
        resource_access(container, user_id, resource_type, resource_id, SHARE)
        makes_public = bool(data.public) or any(p.type == "public" for p in data.updated)
        share_policy(container, user_id, resource_type, makes_public)
        if resource_type == "sharedLink":
            _keep_link_owner(container, resource_id, data)
        granted = _granted(data)
        revoked = [_principal(p) for p in data.removed]
        if data.public is False:
            revoked.append(Principal.public())
        try:
            outcome = container.permissions.update(
                resource_type,
                resource_id,
                user_id,
                [Grant(_principal(p), p.access_role_id or "") for p in granted],
                revoked,
            )
        except Unavailable:
            raise
        except Forbidden as error:
            return Response({"error": "Forbidden", "message": str(error)}, status_code=403)
        except DomainError as error:
            return _failed("Failed to update permissions", str(error))
        kept = {g.principal.key for g in outcome.granted}
        results: dict[str, Any] = {
            "principals": [present.granted_json(p) for p in granted if _principal(p).key in kept]
        }
        if data.public is not None:
            results["public"] = data.public
        if data.public and data.public_access_role_id:
            results["publicAccessRoleId"] = data.public_access_role_id
        return Response({"message": "Permissions updated successfully", "results": results})


def _granted(data: UpdatePermissionsBody) -> list[PrincipalBody]:
    granted = list(data.updated)
    if data.public and data.public_access_role_id:
        granted.append(
            PrincipalBody(type="public", id=None, access_role_id=data.public_access_role_id)
        )
    for principal in granted:
        if not principal.access_role_id:
            raise Refused(
                400,
                {
                    "error": "Failed to update permissions",
                    "details": "accessRoleId is required for updated principals",
                },
            )
    return granted


def _principal(body: PrincipalBody) -> Principal:
    return Principal(body.type, None if body.type == "public" else body.id)


def _keep_link_owner(container: Container, resource_id: str, data: UpdatePermissionsBody) -> None:
    """LibreChat's `rejectSharedLinkOwnerPermissionChanges`."""
    owner_role = "sharedLink_owner"
    if data.public_access_role_id == owner_role or any(
        p.access_role_id == owner_role for p in data.updated
    ):
        raise Refused(400, {"error": "Bad Request", "message": OWNER_FIXED})
    acl = container.permissions.acl("sharedLink", resource_id)
    owner = str(acl.owner) if acl is not None and acl.owner else None
    touched = {p.id for p in [*data.updated, *data.removed] if p.type == "user" and p.id}
    if owner is not None and owner in touched:
        raise Refused(400, {"error": "Bad Request", "message": OWNER_FIXED})


def _principals(container: Container, resource_type: str, resource_id: str) -> dict[str, Any]:
    entries = container.permissions.entries(resource_type, resource_id)
    with container.reads.connect() as conn:
        users = users_by_id(
            conn, [e.principal.id or "" for e in entries if e.principal.type == "user"]
        )
        groups = queries.groups(
            conn, [e.principal.id or "" for e in entries if e.principal.type == "group"]
        )
    listed: list[dict[str, Any]] = []
    public: str | None = None
    for entry in entries:
        kind, pid = entry.principal.type, entry.principal.id or ""
        if kind == "public":
            public = entry.access_role_id
        elif kind == "user" and pid in users:
            listed.append(present.user_principal(entry, users[pid]))
        elif kind == "group" and pid in groups:
            listed.append(present.group_principal(entry, groups[pid]))
        elif kind == "role":
            listed.append(present.role_principal(entry))
    document: dict[str, Any] = {
        "resourceType": resource_type,
        "resourceId": resource_id,
        "principals": listed,
        "public": public is not None,
    }
    if public is not None:
        document["publicAccessRoleId"] = public
    return document


def _search(
    container: Container, query: str, limit: int, types: list[str] | None
) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    with container.reads.connect() as conn:
        if types is None or "user" in types:
            found += [present.user_result(u) for u in search_users(conn, query, limit)]
        if types is None or "group" in types:
            found += [present.group_result(g) for g in queries.search_groups(conn, query, limit)]
    if types is None or "role" in types:
        found += [present.role_result(r) for r in ROLES if query.lower() in r.lower()][:limit]
    return found


def _types(values: list[str]) -> list[str]:
    requested: list[str] = []
    for value in values:
        for kind in value.split(","):
            if kind in PICKABLE and kind not in requested:
                requested.append(kind)
    return requested


def _limit(raw: str | None) -> int:
    """`Math.min(Math.max(1, parseInt(limit) || 10), 50)`, 20 when absent."""
    if raw is None:
        return 20
    digits = raw.strip()
    sign = -1 if digits.startswith("-") else 1
    digits = digits.lstrip("+-")
    head = ""
    for char in digits:
        if not char.isdigit():
            break
        head += char
    number = sign * int(head[:6]) if head else 0
    return min(max(1, number or 10), 50)


def _error(status: int, message: str) -> Response[Any]:
    return Response({"error": message}, status_code=status)


def _failed(error: str, details: str) -> Response[Any]:
    return Response({"error": error, "details": details}, status_code=400)


ROUTES = [PermissionsController]
