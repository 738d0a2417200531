"""/api/messages: transcripts, posting, editing, feedback and deleting single messages."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, delete, get, post, put
from litestar.di import Provide
from litestar.params import JSONBody

from api.conversations.convos import parse_id
from api.conversations.presenters import message_json, message_row_json
from api.conversations.schemas import (
    ArtifactEdit,
    BranchBody,
    FeedbackBody,
    MessageBody,
    MessageEdit,
)
from api.deps import container_of, provide_user_id
from api.search import message_hits
from api.strict import decode
from domain.shared.errors import Invalid, NotFound
from projections.conversations import queries
from projections.conversations.queries import as_utc

TRANSCRIPT = ["conversation_list", "transcript"]


class MessagesController(Controller):
    path = "/api/messages"
    dependencies = {"user_id": Provide(provide_user_id)}

    @get("/", sync_to_thread=True)
    def list_messages(self, request: Request[Any, Any, Any], user_id: UUID) -> dict[str, Any]:
        params = request.query_params
        container = container_of(request)
        container.consistency.wait(user_id, TRANSCRIPT)
        if not params.get("conversationId") and params.get("search", "").strip():
            return message_hits(container, user_id, params)
        with container.reads.connect() as conn:
            if not params.get("conversationId"):
                return {"messages": [], "nextCursor": None}
            cid = _own(conn, user_id, params["conversationId"])
            if params.get("messageId"):
                return _one(conn, cid, params["messageId"])
            return _page(conn, cid, params)

    @get("/{conversation_id:str}", sync_to_thread=True)
    def transcript(
        self, request: Request[Any, Any, Any], user_id: UUID, conversation_id: str
    ) -> Response[Any]:
        if conversation_id == "new":
            return Response([])
        container = container_of(request)
        container.consistency.wait(user_id, TRANSCRIPT)
        with container.reads.connect() as conn:
            cid = _own(conn, user_id, conversation_id)
            return Response([message_row_json(r) for r in queries.transcript(conn, cid)])

    @get("/{conversation_id:str}/{message_id:str}", sync_to_thread=True)
    def one(
        self, request: Request[Any, Any, Any], user_id: UUID, conversation_id: str, message_id: str
    ) -> list[dict[str, Any]]:
        convo = container_of(request).conversations.get(user_id, parse_id(conversation_id))
        message = convo.messages.get(parse_id(message_id, "Message"))
        return [message_json(message, convo.id)] if message else []

    # Fixed paths of LibreChat's, declared before `/{conversation_id}` would take them for ids.
    @post("/branch", status_code=201, sync_to_thread=True)
    def branch(self, request: Request[Any, Any, Any], user_id: UUID, body: bytes) -> Any:
        try:
            data = decode(body, BranchBody)
        except Invalid:
            return Response({"error": "messageId and agentId are required"}, status_code=400)
        source = _uuid(data.messageId)
        if source is None:
            return Response({"error": "Source message not found"}, status_code=404)
        placed = container_of(request).messages.branch(user_id, source, data.agentId).value
        return message_json(placed.message, placed.conversation_id)

    @post("/artifact/{message_id:str}", status_code=200, sync_to_thread=True)
    def artifact(
        self, request: Request[Any, Any, Any], user_id: UUID, message_id: str, body: bytes
    ) -> Any:
        try:
            data = decode(body, ArtifactEdit)
        except Invalid:
            return Response({"error": "Invalid request parameters"}, status_code=400)
        target = _uuid(message_id)
        if target is None:
            return Response({"error": "Message not found"}, status_code=404)
        placed = (
            container_of(request)
            .messages.edit_artifact(user_id, target, data.index, data.original, data.updated)
            .value
        )
        return {
            "conversationId": str(placed.conversation_id),
            "content": placed.message.content,
            "text": placed.message.text,
        }

    @post("/{conversation_id:str}", status_code=201, sync_to_thread=True)
    def post_message(
        self,
        request: Request[Any, Any, Any],
        user_id: UUID,
        conversation_id: str,
        body: bytes,
    ) -> dict[str, Any]:
        data = decode(body, MessageBody)
        cid = parse_id(conversation_id)
        done = container_of(request).messages.post_message(
            user_id,
            cid,
            _message_id(data.messageId),
            _message_id(data.parentMessageId),
            sender=data.sender,
            is_created_by_user=data.isCreatedByUser,
            text=data.text,
            content=data.content,
            model=data.model,
            endpoint=data.endpoint,
            token_count=data.tokenCount,
            unfinished=data.unfinished,
            error=data.error,
            extra=data.extra(),
        )
        return message_json(done.value, cid)

    @put("/{conversation_id:str}/{message_id:str}", sync_to_thread=True)
    def edit(
        self,
        request: Request[Any, Any, Any],
        user_id: UUID,
        conversation_id: str,
        message_id: str,
        body: bytes,
    ) -> dict[str, Any]:
        data = decode(body, MessageEdit)
        cid = parse_id(conversation_id)
        done = container_of(request).messages.edit_message(
            user_id, cid, parse_id(message_id, "Message"), data.text, data.index
        )
        edited = message_json(done.value, cid)
        keys = (
            "messageId",
            "conversationId",
            "parentMessageId",
            "sender",
            "text",
            "isCreatedByUser",
            "tokenCount",
            "feedback",
            "endpoint",
        )
        return {k: edited.get(k) for k in keys}

    @put("/{conversation_id:str}/{message_id:str}/feedback", sync_to_thread=True)
    def feedback(
        self,
        request: Request[Any, Any, Any],
        user_id: UUID,
        conversation_id: str,
        message_id: str,
        data: JSONBody[FeedbackBody],
    ) -> Response[Any]:
        cid = parse_id(conversation_id)
        try:
            done = container_of(request).messages.give_feedback(
                user_id, cid, parse_id(message_id, "Message"), data.feedback
            )
        except Invalid:
            return Response({"error": "Invalid feedback"}, status_code=400)
        return Response(
            {"messageId": message_id, "conversationId": str(cid), "feedback": done.value.feedback}
        )

    @delete("/{conversation_id:str}/{message_id:str}", status_code=204, sync_to_thread=True)
    def delete_message(
        self, request: Request[Any, Any, Any], user_id: UUID, conversation_id: str, message_id: str
    ) -> None:
        container_of(request).messages.delete_message(
            user_id, parse_id(conversation_id), parse_id(message_id, "Message")
        )


def _own(conn: Any, user_id: UUID, conversation_id: str) -> UUID:
    cid = parse_id(conversation_id)
    if queries.owner_of(conn, cid) != str(user_id):
        raise NotFound("Conversation not found")
    return cid


def _one(conn: Any, cid: UUID, message_id: str) -> dict[str, Any]:
    """LibreChat's `conversationId` + `messageId` filter: that one message, or none."""
    mid = _uuid(message_id)
    row = queries.one_message(conn, cid, mid) if mid else None
    return {"messages": [message_row_json(row)] if row else [], "nextCursor": None}


def _uuid(value: str) -> UUID | None:
    try:
        return UUID(value)
    except ValueError:
        return None


def _page(conn: Any, cid: UUID, params: Any) -> dict[str, Any]:
    try:
        size = int(params.get("pageSize", 25))
    except ValueError:
        raise Invalid("Invalid pageSize") from None
    if not 1 <= size <= 100:
        raise Invalid("pageSize must be between 1 and 100")
    descending = params.get("sortDirection", "desc") != "asc"
    after = _cursor_time(params.get("cursor"))
    rows = queries.message_page(conn, cid, limit=size, descending=descending, after=after)
    more = len(rows) > size
    rows = rows[:size]
    return {
        "messages": [message_row_json(r) for r in rows],
        # full precision: a millisecond cursor would skip rows within that millisecond
        "nextCursor": as_utc(rows[-1]["created_at"]).isoformat() if more and rows else None,
    }


def _cursor_time(cursor: str | None) -> datetime | None:
    if not cursor:
        return None
    try:
        return as_utc(datetime.fromisoformat(cursor.replace("Z", "+00:00")))
    except (ValueError, OverflowError):  # a date past year 9999 once moved to UTC
        raise Invalid("Invalid cursor") from None


def _message_id(value: str) -> UUID:
    try:
        return UUID(value)
    except ValueError:
        raise Invalid("messageId must be a UUID") from None
