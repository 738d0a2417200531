"""/api/agents (LibreChat's `routes/agents/v1.js`): the marketplace list, create, get
(VIEW), expanded and versions (EDIT), update, duplicate and revert (EDIT), delete (DELETE)
and categories. The role's AGENTS flags gate first (`generateCheckAccess`: USE, and CREATE
for changes), then the agent's ACL (`canAccessAgentResource`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.di import Provide

from api.agents.presenters import agent_json, list_item_json, versions_json, view_json
from api.agents.schemas import UNSET, AgentBody, RevertBody
from api.deps import container_of, provide_user_id
from api.permissions.guards import role_flags
from api.strict import decode
from api.unserved import not_yet
from application.agents.service import AGENT
from application.bootstrap import Container
from domain.agents.agent import Agent
from domain.agents.rules import CATEGORIES
from domain.permissions.model import PermissionBits
from domain.shared.errors import Forbidden, Invalid, NotFound
from domain.shared.events import utcnow
from projections.agents import queries

AUTH = {"user_id": Provide(provide_user_id)}
MAX_SEARCH = 100
MAX_LIMIT = 100
VIEW = ["agent_list"]


class AgentsController(Controller):
    path = "/api/agents"
    dependencies = AUTH

    @get("/", sync_to_thread=True)
    def list_agents(self, request: Request[Any, Any, Any], user_id: UUID) -> Response[Any]:
        container = container_of(request)
        if (refusal := _role(container, user_id, "USE")) is not None:
            return refusal
        params = request.query_params
        required = _int(params.get("requiredPermission"), PermissionBits.VIEW)
        if not 1 <= required <= 15:
            required = PermissionBits.VIEW
        promoted = {"1": True, "0": False}.get(str(params.get("promoted")))
        cursor = params.get("cursor")
        listing = queries.Listing(
            ids=container.permissions.accessible_ids(user_id, AGENT, required),
            limit=max(1, min(_int(params.get("limit"), MAX_LIMIT), MAX_LIMIT)),
            cursor=queries.decode_cursor(cursor) if cursor else None,
            category=(params.get("category") or "").strip() or None,
            search=(params.get("search") or "").strip()[:MAX_SEARCH] or None,
            promoted=promoted,
        )
        container.consistency.wait(user_id, VIEW)
        with container.reads.connect() as conn:
            rows, more = queries.list_agents(conn, listing)
        editable = set(container.permissions.accessible_ids(user_id, AGENT, PermissionBits.EDIT))
        data = [
            list_item_json(r, _public(container, r["stream_id"]), r["stream_id"] in editable)
            for r in rows
        ]
        return Response(
            {
                "object": "list",
                "data": data,
                "first_id": data[0]["id"] if data else None,
                "last_id": data[-1]["id"] if data else None,
                "has_more": more,
                "after": queries.encode_cursor(rows[-1]) if more else None,
            }
        )

    @post("/", sync_to_thread=True)
    def create_agent(
        self, request: Request[Any, Any, Any], user_id: UUID, body: bytes
    ) -> Response[Any]:
        container = container_of(request)
        if (refusal := _role(container, user_id, "USE", "CREATE")) is not None:
            return refusal
        fields = _body(body, AgentBody)
        if isinstance(fields, Response):
            return fields
        return _command(
            lambda: container.agents.create(user_id, fields.creation()), container, user_id, 201
        )

    @get("/categories", sync_to_thread=True)
    def categories(self, request: Request[Any, Any, Any], user_id: UUID) -> list[dict[str, Any]]:
        container = container_of(request)
        container.consistency.wait(user_id, VIEW)
        ids = container.permissions.accessible_ids(user_id, AGENT, PermissionBits.VIEW)
        with container.reads.connect() as conn:
            counts = queries.category_counts(conn, ids)
        found = [
            {"value": value, "label": label, "count": counts.get(value, 0), "description": text}
            for value, label, text in CATEGORIES
        ]
        return [*found, {"value": "all", "label": "All", "description": "All available agents"}]

    @get("/actions", sync_to_thread=True)
    def actions(self, request: Request[Any, Any, Any], user_id: UUID) -> Response[Any]:
        """Kept from `/{agent_id}`: actions are not served yet."""
        return not_yet(request)

    @get("/tools", sync_to_thread=True)
    def tools(self, request: Request[Any, Any, Any], user_id: UUID) -> Response[Any]:
        return not_yet(request)

    @get("/{agent_id:str}", sync_to_thread=True)
    def get_agent(
        self, request: Request[Any, Any, Any], user_id: UUID, agent_id: str
    ) -> Response[Any]:
        return _read(request, user_id, agent_id, PermissionBits.VIEW, view_json)

    @get("/{agent_id:str}/expanded", sync_to_thread=True)
    def expanded(
        self, request: Request[Any, Any, Any], user_id: UUID, agent_id: str
    ) -> Response[Any]:
        return _read(request, user_id, agent_id, PermissionBits.EDIT, agent_json)

    @get("/{agent_id:str}/versions", sync_to_thread=True)
    def versions(
        self, request: Request[Any, Any, Any], user_id: UUID, agent_id: str
    ) -> Response[Any]:
        return _read(
            request, user_id, agent_id, PermissionBits.EDIT, lambda a, _u, public: versions_json(a)
        )

    @patch("/{agent_id:str}", sync_to_thread=True)
    def update_agent(
        self, request: Request[Any, Any, Any], user_id: UUID, agent_id: str, body: bytes
    ) -> Response[Any]:
        container = container_of(request)
        if (refusal := _role(container, user_id, "USE", "CREATE")) is not None:
            return refusal
        if (refusal := _access(container, user_id, agent_id, PermissionBits.EDIT)) is not None:
            return refusal
        fields = _body(body, AgentBody)
        if isinstance(fields, Response):
            return fields
        changes = fields.fields()
        return _command(
            lambda: container.agents.update(user_id, agent_id, changes), container, user_id
        )

    @post("/{agent_id:str}/duplicate", sync_to_thread=True)
    def duplicate(
        self, request: Request[Any, Any, Any], user_id: UUID, agent_id: str
    ) -> Response[Any]:
        container = container_of(request)
        if (refusal := _role(container, user_id, "USE", "CREATE")) is not None:
            return refusal
        if (refusal := _access(container, user_id, agent_id, PermissionBits.EDIT)) is not None:
            return refusal
        try:
            copy = container.agents.duplicate(user_id, agent_id, utcnow())
        except NotFound:
            return Response({"error": "Agent not found", "status": "error"}, status_code=404)
        body = agent_json(copy, user_id, public=False)
        return Response({"agent": body, "actions": []}, status_code=201)

    @post("/{agent_id:str}/revert", sync_to_thread=True)
    def revert(
        self, request: Request[Any, Any, Any], user_id: UUID, agent_id: str, body: bytes
    ) -> Response[Any]:
        container = container_of(request)
        if (refusal := _role(container, user_id, "USE")) is not None:
            return refusal
        if (refusal := _access(container, user_id, agent_id, PermissionBits.EDIT)) is not None:
            return refusal
        parsed = _body(body, RevertBody)
        if isinstance(parsed, Response):
            return parsed
        index = parsed.version_index
        if index is UNSET:
            return Response({"error": "version_index is required"}, status_code=400)
        return _command(
            lambda: container.agents.revert(user_id, agent_id, index), container, user_id
        )

    @delete("/{agent_id:str}", status_code=200, sync_to_thread=True)
    def delete_agent(
        self, request: Request[Any, Any, Any], user_id: UUID, agent_id: str
    ) -> Response[Any]:
        container = container_of(request)
        if (refusal := _role(container, user_id, "USE", "CREATE")) is not None:
            return refusal
        if (refusal := _access(container, user_id, agent_id, PermissionBits.DELETE)) is not None:
            return refusal
        try:
            container.agents.delete(user_id, agent_id)
        except NotFound:
            return Response({"error": "Agent not found"}, status_code=404)
        return Response({"message": "Agent deleted"})


# ----------------------------------------------------------------- helpers
def _role(container: Container, user_id: UUID, *needed: str) -> Response[Any] | None:
    """LibreChat's `generateCheckAccess` on the AGENTS permission type."""
    flags = role_flags(container, user_id).get("AGENTS", {})
    if all(flags.get(flag) for flag in needed):
        return None
    return Response({"message": "Forbidden: Insufficient permissions"}, status_code=403)


def _access(container: Container, user_id: UUID, agent_id: str, bits: int) -> Response[Any] | None:
    """`canAccessAgentResource`: 404 for an agent that does not exist, 403 for one the caller
    may not act on (so an agent is not revealed beyond its existence, as LibreChat)."""
    try:
        container.agents.require(user_id, agent_id, bits)
    except NotFound:
        return Response({"error": "Not Found", "message": "agent not found"}, status_code=404)
    except Forbidden:
        message = "Insufficient permissions to access this agent"
        return Response({"error": "Forbidden", "message": message}, status_code=403)
    return None


def _read(
    request: Request[Any, Any, Any],
    user_id: UUID,
    agent_id: str,
    bits: int,
    shape: Callable[[Agent, UUID, bool], Any],
) -> Response[Any]:
    container = container_of(request)
    if (refusal := _role(container, user_id, "USE")) is not None:
        return refusal
    if (refusal := _access(container, user_id, agent_id, bits)) is not None:
        return refusal
    try:
        agent = container.agents.load(agent_id)
    except NotFound:
        return Response({"error": "Agent not found"}, status_code=404)
    return Response(shape(agent, user_id, _public(container, str(agent.id))))


def _public(container: Container, stream_id: str) -> bool:
    return bool(container.permissions.public_bits(AGENT, stream_id) & PermissionBits.VIEW)


def _body(body: bytes, schema: Any) -> Any:
    try:
        return decode(body, schema)
    except Invalid as error:
        return _invalid(str(error))


def _invalid(reason: str) -> Response[Any]:
    return Response({"error": "Invalid request data", "details": reason}, status_code=400)


def _command(
    run: Callable[[], Agent], container: Container, user_id: UUID, status: int = 200
) -> Response[Any]:
    try:
        agent = run()
    except Invalid as error:
        return _invalid(str(error))
    except NotFound:
        return Response({"error": "Agent not found"}, status_code=404)
    body = agent_json(agent, user_id, public=_public(container, str(agent.id)))
    return Response(body, status_code=status)


def _int(value: Any, default: int) -> int:
    try:
        return int(str(value))
    except ValueError:
        return default


ROUTES = [AgentsController]
