"""/api/admin/users: list and prefix search (LibreChat's admin users routes; its delete route
is commented out there, so it is not served: an account is deleted by its owner,
`DELETE /api/user/delete`). ACCESS_ADMIN and READ_USERS."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Request, Response, get

from api.admin.guards import admin
from api.admin.pagination import pagination, parse_int
from api.conversations.presenters import iso
from api.deps import container_of
from domain.permissions.capabilities import READ_USERS


def _guard() -> dict[str, Any]:
    """A fresh Provide per route: Litestar fails a handler whose Provide another shares."""
    return admin(READ_USERS)


MAX_SEARCH = 200


@get("/api/admin/users", dependencies=_guard(), sync_to_thread=True)
def list_users(request: Request[Any, Any, Any], caller: UUID) -> dict[str, Any]:
    limit, offset = pagination(request)
    rows, total = container_of(request).directory.users(caller, limit, offset)
    return {"users": [_listed(r) for r in rows], "total": total, "limit": limit, "offset": offset}


@get("/api/admin/users/search", dependencies=_guard(), sync_to_thread=True)
def search_users(request: Request[Any, Any, Any], caller: UUID) -> Response[Any]:
    query = (request.query_params.get("q") or "").strip()
    if not query:
        return Response({"error": 'Query parameter "q" is required'}, status_code=400)
    if len(query) < 2:
        return Response({"error": "Query must be at least 2 characters"}, status_code=400)
    if len(query) > MAX_SEARCH:
        return Response(
            {"error": f"Query must not exceed {MAX_SEARCH} characters"}, status_code=400
        )
    if "\x00" in query:
        return Response({"error": "Query contains invalid characters"}, status_code=400)
    limit = min(max(1, parse_int(request.query_params.get("limit") or "20") or 20), 50)
    rows = container_of(request).directory.search_users(caller, query, limit)
    found = [_found(r) for r in rows]
    return Response({"users": found, "total": len(found), "capped": len(found) >= limit})


def _listed(row: Any) -> dict[str, Any]:
    return {
        "id": row.user_id,
        "name": row.name or "",
        "username": row.username or "",
        "email": row.email or "",
        "avatar": "",
        "role": row.role,
        "provider": row.provider,
        "createdAt": iso(row.created_at),
        "updatedAt": iso(row.updated_at),
    }


def _found(row: Any) -> dict[str, Any]:
    return {
        "id": row.user_id,
        "name": row.name or "",
        "email": row.email or "",
        "username": row.username or "",
    }


ROUTES = [list_users, search_users]
