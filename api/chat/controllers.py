"""/api/agents/chat: start a turn, stream it over SSE (resumable), abort it, ask its status."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID

import msgspec
from litestar import Controller, MediaType, Request, Response, get, post
from litestar.di import Provide
from litestar.exceptions import ValidationException
from litestar.params import JSONBody
from litestar.response import ServerSentEvent, ServerSentEventMessage

from api.chat.frames import status_json
from api.chat.schemas import AbortBody, ChatBody, settings_of
from api.deps import container_of, provide_user_id
from api.errors import validation_reason
from api.limits import MESSAGE
from api.strict import decode
from api.unserved import not_yet
from application.chat.service import PROTOCOL, StartChat
from domain.shared.errors import Invalid, NotFound

SSE_HEADERS = {
    "Cache-Control": "no-cache, no-transform",
    "X-Accel-Buffering": "no",
    "Content-Encoding": "identity",
}


def _bad_target(_: Request[Any, Any, Any], error: ValidationException) -> Response[Any]:
    """LibreChat's INVALID_ABORT_TARGET, with a reason naming the field as the message."""
    body = {"code": "INVALID_ABORT_TARGET", "generationProtocolVersion": PROTOCOL}
    return Response({**body, "message": validation_reason(error)}, status_code=400)


class ChatController(Controller):
    path = "/api/agents/chat"
    dependencies = {"user_id": Provide(provide_user_id)}

    @post(["/", "/{endpoint:str}"], status_code=200, guards=MESSAGE)
    async def start(
        self,
        request: Request[Any, Any, Any],
        user_id: UUID,
        body: bytes,
        endpoint: str | None = None,
    ) -> dict[str, Any]:
        command = start_command(body, endpoint)
        return await container_of(request).chat.start(user_id, command)

    # Fixed paths of LibreChat's that `/{endpoint}` would otherwise take for an endpoint name.
    @post(["/resume", "/steer"], status_code=404)
    async def unserved(self, request: Request[Any, Any, Any], user_id: UUID) -> Response[Any]:
        return not_yet(request)

    @get("/stream/{stream_id:str}", media_type="text/event-stream")
    async def stream(self, request: Request[Any, Any, Any], user_id: UUID, stream_id: str) -> Any:
        chat = container_of(request).chat
        job = await chat.bus.get(stream_id)
        if job is None or job.user_id != str(user_id):
            return Response(
                {"error": "Stream not found", "message": "Stream not found"},
                status_code=404,
                media_type=MediaType.JSON,
            )
        resume = request.query_params.get("resume") == "true"
        return ServerSentEvent(
            _frames(chat.frames(user_id, stream_id, resume)), headers=SSE_HEADERS
        )

    @post("/abort", status_code=200, exception_handlers={ValidationException: _bad_target})
    async def abort(
        self, request: Request[Any, Any, Any], user_id: UUID, data: JSONBody[AbortBody]
    ) -> Response[Any]:
        stream_id = data.target()
        try:
            return Response(await container_of(request).chat.abort(user_id, stream_id))
        except NotFound:
            return Response({"error": "Job not found", "streamId": stream_id}, status_code=404)

    @get("/status/{conversation_id:str}")
    async def status(
        self, request: Request[Any, Any, Any], user_id: UUID, conversation_id: str
    ) -> dict[str, Any]:
        return status_json(await container_of(request).chat.status(user_id, conversation_id))

    @get("/active")
    async def active(self, request: Request[Any, Any, Any], user_id: UUID) -> dict[str, Any]:
        return {"activeJobIds": await container_of(request).chat.active(user_id)}


async def _frames(frames: AsyncIterator[dict[str, Any]]) -> AsyncIterator[ServerSentEventMessage]:
    async for frame in frames:
        yield ServerSentEventMessage(
            data=msgspec.json.encode(frame["data"]).decode(), event=frame["event"]
        )


def start_command(body: bytes, endpoint: str | None) -> StartChat:
    """Read LibreChat's start payload; wrong types are a 400 naming the field, never a 500."""
    data = decode(body, ChatBody)
    edited_text = None
    if data.editedContent is not None:
        edited_text = data.editedContent.value()
        if edited_text is None:
            raise Invalid("Invalid editedContent")
    return StartChat(
        text=data.text,
        conversation_id=data.conversationId,
        parent_message_id=data.parentMessageId,
        endpoint=endpoint if endpoint not in (None, "agents") else data.endpoint,
        model=data.model,
        client_request_id=data.clientRequestId,
        is_regenerate=data.isRegenerate is True,
        override_parent_message_id=data.overrideParentMessageId,
        response_message_id=data.responseMessageId,
        override_user_message_id=data.overrideUserMessageId,
        is_continued=data.isContinued is True,
        edited_text=edited_text,
        settings=settings_of(data),
        is_temporary=data.isTemporary is True,
        files=data.files,
        project_id=data.chatProjectId or None,
    )


__all__ = ["PROTOCOL", "ChatController"]
