"""/api/memories: a user's memories, LibreChat's shapes and words (routes/memories.js)."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.di import Provide

from api.conversations.presenters import iso
from api.deps import container_of, provide_user_id
from api.identity.role_permissions import document
from api.strict import decode
from application.bootstrap import Container
from domain.memories.memory_book import Memory
from domain.shared.errors import Invalid, NotFound
from projections.memories.queries import user_memories

MAX_BODY = 100 * 1024  # LibreChat's `express.json({ limit: '100kb' })` on these routes


class MemoryBody(msgspec.Struct, kw_only=True):
    """Types are the domain's to refuse, in LibreChat's words (`Key is required and …`)."""

    key: object = None
    value: object = None
    agentId: object = None


class PreferencesBody(msgspec.Struct, kw_only=True):
    memories: bool


# LibreChat's generateCheckAccess per route: USE and the route's own flag of MEMORIES
READ = ("USE", "READ")
CREATE = ("USE", "CREATE")
UPDATE = ("USE", "UPDATE")
OPT_OUT = ("USE", "OPT_OUT")
FORBIDDEN = {"message": "Forbidden: Insufficient permissions"}


def allowed(container: Container, user_id: UUID, flags: tuple[str, ...]) -> bool:
    """The caller's role (as admins set it) grants every flag of MEMORIES."""
    try:
        role = container.identity.profile(user_id).role
    except NotFound:
        return False
    granted = ((document(container, role) or {}).get("permissions") or {}).get("MEMORIES", {})
    return all(granted.get(flag) for flag in flags)


class MemoriesController(Controller):
    path = "/api/memories"
    dependencies = {"user_id": Provide(provide_user_id)}

    @get("/", sync_to_thread=True)
    def list_memories(self, request: Request[Any, Any, Any], user_id: UUID) -> Any:
        container = container_of(request)
        if not allowed(container, user_id, READ):
            return Response(FORBIDDEN, status_code=403)
        container.consistency.wait(user_id, ["memories"])
        with container.reads.connect() as conn:
            rows = user_memories(conn, user_id)
        limits = container.memories.limits
        total = sum(r["token_count"] for r in rows)
        usage = None
        if limits.token_limit:
            usage = min(100, math.floor(total / limits.token_limit * 100 + 0.5))  # Math.round
        return {
            "memories": [_row_json(user_id, r) for r in rows],
            "totalTokens": total,
            "tokenLimit": limits.token_limit,
            "charLimit": limits.char_limit,
            "usagePercentage": usage,
        }

    @post("/", status_code=201, sync_to_thread=True)
    def create(self, request: Request[Any, Any, Any], user_id: UUID, body: bytes) -> Any:
        if not allowed(container_of(request), user_id, CREATE):
            return Response(FORBIDDEN, status_code=403)
        data = _body(body, MemoryBody)
        if isinstance(data, Response):
            return data
        memory = container_of(request).memories.create(user_id, data.key, data.value)
        return {"created": True, "memory": _memory(user_id, memory)}

    # The fixed path, declared beside `/{key}` so that it is never taken for a key.
    @patch("/preferences", sync_to_thread=True)
    def preferences(self, request: Request[Any, Any, Any], user_id: UUID, body: bytes) -> Any:
        if not allowed(container_of(request), user_id, OPT_OUT):
            return Response(FORBIDDEN, status_code=403)
        try:
            data = decode(body, PreferencesBody)
        except Invalid:
            return Response({"error": "memories must be a boolean value."}, status_code=400)
        enabled = container_of(request).memories.use(user_id, data.memories)
        return {"updated": True, "preferences": {"memories": enabled}}

    @patch("/{key:str}", sync_to_thread=True)
    def update(self, request: Request[Any, Any, Any], user_id: UUID, key: str, body: bytes) -> Any:
        if not allowed(container_of(request), user_id, UPDATE):
            return Response(FORBIDDEN, status_code=403)
        data = _body(body, MemoryBody)
        if isinstance(data, Response):
            return data
        memory = container_of(request).memories.update(user_id, key, data.key, data.value)
        return {"updated": True, "memory": _memory(user_id, memory)}

    @delete("/{key:str}", status_code=200, sync_to_thread=True)
    def remove(self, request: Request[Any, Any, Any], user_id: UUID, key: str) -> Any:
        container = container_of(request)
        if not allowed(container, user_id, UPDATE):  # LibreChat's delete checks UPDATE
            return Response(FORBIDDEN, status_code=403)
        container.memories.delete(user_id, key)
        return {"deleted": True}


def _body(body: bytes, schema: type[MemoryBody]) -> MemoryBody | Response[Any]:
    if len(body) > MAX_BODY:
        return Response({"message": "Request entity too large"}, status_code=413)
    return decode(body, schema)


def _row_json(user_id: UUID, row: dict[str, Any]) -> dict[str, Any]:
    return _json(user_id, row["key"], row["value"], row["token_count"], row["updated_at"])


def _memory(user_id: UUID, memory: Memory) -> dict[str, Any]:
    return _json(user_id, memory.key, memory.value, memory.token_count, memory.updated_at)


def _json(user_id: UUID, key: str, value: str, tokens: int, updated: datetime) -> dict[str, Any]:
    """LibreChat's memory entry (its lean document, without the Mongo ids)."""
    return {
        "userId": str(user_id),
        "key": key,
        "value": value,
        "tokenCount": tokens,
        "updated_at": iso(updated),
    }
