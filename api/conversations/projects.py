"""/api/projects: chat projects (LibreChat v0.8.8's routes/projects.js and its handlers)."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, delete, get, patch, post, put
from litestar.di import Provide
from litestar.params import JSONBody

from api.conversations.convos import parse_id
from api.conversations.presenters import conversation_json, iso
from api.deps import container_of, provide_user_id
from domain.conversations.project import NOT_FOUND, is_project_id
from domain.shared.errors import Invalid, NotFound
from projections.conversations.projects import projects_of
from projections.conversations.queries import EPOCH, as_utc

SORTS = ("name", "createdAt", "lastConversationAt")
COLUMNS = {"name": "name", "createdAt": "created_at", "lastConversationAt": "last_conversation_at"}


class ProjectBody(msgspec.Struct, kw_only=True):
    """LibreChat reads any JSON here: a name that is not a string is no name (400), a
    description that is not one is empty. `msgspec.UNSET`: not sent (an update keeps it)."""

    name: Any = msgspec.UNSET
    description: Any = msgspec.UNSET


class AssignBody(msgspec.Struct, kw_only=True):
    projectId: Any = None


def _refused(message: str, status: int) -> Response[Any]:
    return Response({"error": message}, status_code=status)


class ProjectsController(Controller):
    path = "/api/projects"
    dependencies = {"user_id": Provide(provide_user_id)}

    @get("/", sync_to_thread=True)
    def list_projects(self, request: Request[Any, Any, Any], user_id: UUID) -> dict[str, Any]:
        container = container_of(request)
        container.consistency.wait(user_id, ["projects", "conversation_list"])
        with container.reads.connect() as conn:
            rows = projects_of(conn, user_id)
        return _page(rows, request.query_params)

    @post("/", status_code=201, sync_to_thread=True)
    def create(
        self, request: Request[Any, Any, Any], user_id: UUID, data: JSONBody[ProjectBody]
    ) -> Response[Any]:
        description = "" if data.description is msgspec.UNSET else data.description
        try:
            done = container_of(request).projects.create(user_id, _sent(data.name), description)
        except Invalid as refused:
            return _refused(str(refused), 400)
        return Response(_project(request, user_id, done.value.project_id), status_code=201)

    @put("/conversations/{conversation_id:str}", sync_to_thread=True)
    def assign(
        self,
        request: Request[Any, Any, Any],
        user_id: UUID,
        conversation_id: str,
        data: JSONBody[AssignBody],
    ) -> Response[Any]:
        if data.projectId is not None and not isinstance(data.projectId, str):
            return _refused("projectId must be a string or null", 400)
        try:
            cid = parse_id(conversation_id)
            moved = container_of(request).projects.assign(user_id, cid, data.projectId or None)
        except NotFound as missing:
            return _refused(str(missing), 404)
        return Response(
            {
                "conversation": conversation_json(moved.conversation),
                "previousProjectId": moved.previous,
                "projectId": moved.project_id,
            }
        )

    @get("/{project_id:str}", sync_to_thread=True)
    def get_project(
        self, request: Request[Any, Any, Any], user_id: UUID, project_id: str
    ) -> Response[Any]:
        container = container_of(request)
        try:
            container.projects.get(user_id, project_id)  # the store decides what exists
        except NotFound:
            return _refused(NOT_FOUND, 404)
        return Response(_project(request, user_id, project_id))

    @patch("/{project_id:str}", sync_to_thread=True)
    def update(
        self,
        request: Request[Any, Any, Any],
        user_id: UUID,
        project_id: str,
        data: JSONBody[ProjectBody],
    ) -> Response[Any]:
        projects = container_of(request).projects
        if not is_project_id(project_id):
            return _refused(NOT_FOUND, 404)
        name = None if data.name is msgspec.UNSET else _sent(data.name)
        description = None if data.description is msgspec.UNSET else _text(data.description)
        try:
            projects.update(user_id, project_id, name, description)
        except NotFound:
            return _refused(NOT_FOUND, 404)
        except Invalid as refused:
            return _refused(str(refused), 400)
        return Response(_project(request, user_id, project_id))

    @delete("/{project_id:str}", status_code=200, sync_to_thread=True)
    def delete_project(
        self, request: Request[Any, Any, Any], user_id: UUID, project_id: str
    ) -> Response[Any]:
        try:
            done = container_of(request).projects.delete(user_id, project_id)
        except NotFound:
            return _refused(NOT_FOUND, 404)
        return Response({"deletedCount": 1, "modifiedCount": done.value})


def _sent(value: Any) -> Any:
    """A name of null (or not sent at all on create) is a name that is not a string."""
    return "" if value is None or value is msgspec.UNSET else value


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _project(request: Request[Any, Any, Any], user_id: UUID, project_id: str) -> dict[str, Any]:
    container = container_of(request)
    container.consistency.wait(user_id, ["projects", "conversation_list"])
    with container.reads.connect() as conn:
        rows = projects_of(conn, user_id, project_id.lower())
    if rows:
        return project_json(rows[0])
    project = container.projects.get(user_id, project_id)  # the read model is behind
    return {
        "_id": project.project_id,
        "name": project.name,
        "description": project.description,
        "user": str(user_id),
        "conversationCount": 0,
        "lastConversationAt": None,
        "lastConversationId": None,
    }


def project_json(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "_id": row["project_id"],
        "name": row["name"],
        "description": row["description"],
        "user": row["user_id"],
        "conversationCount": row["conversation_count"],
        "lastConversationAt": iso(row["last_conversation_at"]),
        "lastConversationId": row["last_conversation_id"],
        "createdAt": iso(row["created_at"]),
        "updatedAt": iso(row["updated_at"]),
    }


def _page(rows: list[dict[str, Any]], params: Any) -> dict[str, Any]:
    """LibreChat's listChatProjects: search in name and description, sort by `sortBy`
    (default lastConversationAt) then id, `desc` unless `asc`, nulls lowest, as MongoDB
    sorts them; an opaque cursor of (primary, id)."""
    sort_by = params.get("sortBy") if params.get("sortBy") in SORTS else "lastConversationAt"
    descending = params.get("sortDirection") != "asc"
    search = (params.get("search") or "").strip().lower()
    if search:
        rows = [
            r for r in rows if search in r["name"].lower() or search in r["description"].lower()
        ]
    ordered = sorted(rows, key=lambda r: _key(r, sort_by), reverse=descending)
    cursor = _decode_cursor(params.get("cursor"), sort_by)
    if cursor is not None:
        ordered = [
            r
            for r in ordered
            if (_key(r, sort_by) < cursor if descending else _key(r, sort_by) > cursor)
        ]
    limit = _limit(params.get("limit"))
    page, more = ordered[:limit], len(ordered) > limit
    return {
        "projects": [project_json(r) for r in page],
        "nextCursor": _encode_cursor(page[-1], sort_by) if more and page else None,
    }


def _key(row: dict[str, Any], sort_by: str) -> tuple[int, Any, str]:
    value = row[COLUMNS[sort_by]]
    if value is None:
        return (0, "" if sort_by == "name" else EPOCH, row["project_id"])
    return (1, value if sort_by == "name" else as_utc(value), row["project_id"])


def _limit(raw: str | None) -> int:
    try:
        value = int(raw or "")
    except ValueError:
        return 25
    return min(max(value, 1), 100)


def _encode_cursor(row: dict[str, Any], sort_by: str) -> str:
    value = row[COLUMNS[sort_by]]
    primary = value if sort_by == "name" or value is None else iso(value)
    payload = msgspec.json.encode({"primary": primary, "id": row["project_id"]})
    return base64.b64encode(payload).decode()


def _decode_cursor(raw: str | None, sort_by: str) -> tuple[int, Any, str] | None:
    """A cursor that does not decode starts from the beginning, as LibreChat's does."""
    if not raw:
        return None
    try:
        cursor = msgspec.json.decode(base64.b64decode(raw))
        primary, project_id = cursor.get("primary"), cursor.get("id")
        if not is_project_id(project_id):
            return None
        if primary is None:
            return (0, "" if sort_by == "name" else EPOCH, project_id)
        if sort_by == "name":
            return (1, str(primary), project_id)
        return (1, as_utc(datetime.fromisoformat(str(primary).replace("Z", "+00:00"))), project_id)
    except (binascii.Error, msgspec.DecodeError, ValueError, AttributeError, TypeError):
        return None
