"""/api/admin/groups: LibreChat's admin group routes (list, create, get, update, delete,
members) on the permissions context's Groups. ACCESS_ADMIN, and READ_GROUPS to read or
MANAGE_GROUPS to change. A removed member loses what the group was granted from their next
request (the permission checks wait for the read model)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.params import JSONBody

from api.admin.guards import admin
from api.admin.pagination import pagination
from api.conversations.presenters import iso
from api.deps import container_of
from application.admin.groups import create_with_members
from domain.permissions.capabilities import MANAGE_GROUPS, READ_GROUPS
from domain.permissions.group import Group
from domain.permissions.rules import SOURCES
from domain.shared.errors import Invalid, NotFound

MAX_SEARCH, MAX_MEMBERS = 200, 500
# LibreChat's limits (the permissions context holds a name to 200 characters)
LIMITS = {"description": 2000, "email": 500, "avatar": 2000, "idOnTheSource": 500}
BAD_ID = "Invalid group ID format"


def _read() -> dict[str, Any]:
    """A fresh Provide per route: Litestar fails a handler whose Provide another shares."""
    return admin(READ_GROUPS)


def _manage() -> dict[str, Any]:
    return admin(MANAGE_GROUPS)


class CreateGroup(msgspec.Struct, kw_only=True):
    name: Any = None
    description: str | None = None
    email: str | None = None
    avatar: str | None = None
    source: str | None = None
    idOnTheSource: str | None = None
    memberIds: list[Any] | None = None


class UpdateGroup(msgspec.Struct, kw_only=True):
    name: Any = None
    description: str | None = None
    email: str | None = None
    avatar: str | None = None


class GroupMember(msgspec.Struct, kw_only=True):
    userId: Any = None


class GroupsController(Controller):
    path = "/api/admin/groups"

    @get("/", dependencies=_read(), sync_to_thread=True)
    def list_groups(self, request: Request[Any, Any, Any], caller: UUID) -> Response[Any]:
        search = request.query_params.get("search") or None
        source = request.query_params.get("source")
        if search and len(search) > MAX_SEARCH:
            return _error(400, f"search must not exceed {MAX_SEARCH} characters")
        limit, offset = pagination(request)
        lists = container_of(request).admin_lists
        rows, total = lists.groups(
            caller, search, source if source in SOURCES else None, limit, offset
        )
        groups = [_listed(r) for r in rows]
        return Response({"groups": groups, "total": total, "limit": limit, "offset": offset})

    @post("/", dependencies=_manage(), sync_to_thread=True, status_code=201)
    def create_group(
        self, request: Request[Any, Any, Any], caller: UUID, data: JSONBody[CreateGroup]
    ) -> dict[str, Any]:
        if not isinstance(data.name, str) or not data.name.strip():
            raise Invalid("name is required")
        if data.source is not None and data.source not in SOURCES:
            raise Invalid("Invalid source value")
        _check_lengths(data)
        members = data.memberIds or []
        if len(members) > MAX_MEMBERS:
            raise Invalid(f"memberIds must not exceed {MAX_MEMBERS} entries")
        group = create_with_members(
            container_of(request).groups,
            caller,
            data.name.strip(),
            list(dict.fromkeys(_user_id(m) for m in members)),
            data.description,
            data.email,
            data.avatar,
            data.source or "local",
            data.idOnTheSource or None,
        )
        return {"group": _group(group)}

    @get("/{group_id:str}", dependencies=_read(), sync_to_thread=True)
    def get_group(
        self, request: Request[Any, Any, Any], caller: UUID, group_id: str
    ) -> dict[str, Any]:
        return {"group": _group(_load(request, group_id))}

    @patch("/{group_id:str}", dependencies=_manage(), sync_to_thread=True)
    def update_group(
        self,
        request: Request[Any, Any, Any],
        caller: UUID,
        group_id: str,
        data: JSONBody[UpdateGroup],
    ) -> dict[str, Any]:
        gid = _group_id(group_id)
        if data.name is not None and (not isinstance(data.name, str) or not data.name.strip()):
            raise Invalid("name must be a non-empty string")
        _check_lengths(data)
        fields = (data.name, data.description, data.email, data.avatar)
        if all(f is None for f in fields):
            raise Invalid("No valid fields to update")
        name = data.name.strip() if isinstance(data.name, str) else None
        groups = container_of(request).groups
        group = groups.update(gid, caller, name, data.description, data.email, data.avatar)
        return {"group": _group(group)}

    @delete("/{group_id:str}", dependencies=_manage(), sync_to_thread=True, status_code=200)
    def delete_group(
        self, request: Request[Any, Any, Any], caller: UUID, group_id: str
    ) -> dict[str, Any]:
        container_of(request).groups.delete(_group_id(group_id), caller)
        return {"success": True, "id": group_id}

    @get("/{group_id:str}/members", dependencies=_read(), sync_to_thread=True)
    def members(
        self, request: Request[Any, Any, Any], caller: UUID, group_id: str
    ) -> dict[str, Any]:
        group = _load(request, group_id)
        limit, offset = pagination(request)
        page = group.members[offset : offset + limit]
        people = container_of(request).directory.people(page)
        listed = [
            {
                "userId": m,
                "name": people.get(m, {}).get("name") or m,
                "email": people.get(m, {}).get("email") or "",
            }
            for m in page
        ]
        return {"members": listed, "total": len(group.members), "limit": limit, "offset": offset}

    @post("/{group_id:str}/members", dependencies=_manage(), sync_to_thread=True, status_code=200)
    def add_member(
        self,
        request: Request[Any, Any, Any],
        caller: UUID,
        group_id: str,
        data: JSONBody[GroupMember],
    ) -> dict[str, Any]:
        gid = _group_id(group_id)
        if not data.userId or not isinstance(data.userId, str):
            raise Invalid("userId is required")
        try:
            user = UUID(data.userId)
        except ValueError:
            raise Invalid("Only native user ObjectIds can be added via this endpoint") from None
        groups = container_of(request).groups
        groups.get(gid)  # a missing group is named before a missing user
        if not groups.users.exists(user):
            raise NotFound("User not found")
        groups.add_member(gid, user, caller)
        return {"group": _group(groups.get(gid))}

    @delete("/{group_id:str}/members/{user_id:str}", dependencies=_manage(), sync_to_thread=True,
            status_code=200)  # fmt: skip
    def remove_member(
        self, request: Request[Any, Any, Any], caller: UUID, group_id: str, user_id: str
    ) -> dict[str, Any]:
        gid = _group_id(group_id)
        groups = container_of(request).groups
        try:
            member = UUID(user_id)
        except ValueError:  # no such member (members are user ids): nothing to remove
            groups.get(gid)
            return {"success": True}
        groups.remove_member(gid, member, caller)
        return {"success": True}


def _check_lengths(data: CreateGroup | UpdateGroup) -> None:
    for field, limit in LIMITS.items():
        value = getattr(data, field, None)
        if value is not None and len(value) > limit:
            raise Invalid(f"{field} must not exceed {limit} characters")


def _group_id(raw: str) -> UUID:
    try:
        return UUID(raw)
    except ValueError:
        raise Invalid(BAD_ID) from None


def _user_id(raw: Any) -> UUID:
    try:
        return UUID(str(raw))
    except ValueError:
        raise Invalid(f"Invalid user ID in memberIds: {str(raw)[:64]}") from None


def _load(request: Request[Any, Any, Any], raw: str) -> Group:
    return container_of(request).groups.get(_group_id(raw))


def _group(group: Group) -> dict[str, Any]:
    body: dict[str, Any] = {
        "_id": str(group.id),
        "name": group.name,
        "description": group.description,
        "email": group.email,
        "avatar": group.avatar,
        "source": group.source,
        "memberIds": list(group.members),
    }
    if group.id_on_the_source:
        body["idOnTheSource"] = group.id_on_the_source
    return body


def _listed(row: dict[str, Any]) -> dict[str, Any]:
    body = {
        "_id": row["group_id"],
        "name": row["name"],
        "description": row["description"],
        "email": row["email"],
        "avatar": row["avatar"],
        "source": row["source"],
        "memberIds": row["member_ids"],
        "createdAt": iso(row["created_at"]),
        "updatedAt": iso(row["updated_at"]),
    }
    if row["id_on_the_source"]:
        body["idOnTheSource"] = row["id_on_the_source"]
    return body


def _error(status: int, message: str) -> Response[Any]:
    return Response({"error": message}, status_code=status)


ROUTES = [GroupsController]
