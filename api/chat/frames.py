"""LibreChat's generation frames and status body: the wire shapes of application/chat/progress
(the messages and conversation in them as api/conversations/presenters.py shapes them).

A frame is `{"event": "message" | "error", "data": {...}}`: the SSE event name and its JSON
data. Frames are stored on the stream bus in this shape (encoded when published), so a
stream started by one process replays unchanged on any other, and key order is kept as
LibreChat's server writes it."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from api.conversations.presenters import conversation_json, message_json
from application.chat.progress import (
    PROTOCOL,
    Created,
    Delta,
    Failed,
    Final,
    Progress,
    ResumeState,
    RunStep,
    Status,
    Synced,
    Titled,
    ToolArgs,
    ToolDone,
    ToolStep,
)
from domain.conversations.conversation import Conversation, Message

DELTA_EVENTS = {"text": "on_message_delta", "think": "on_reasoning_delta"}
USER_MESSAGE_KEYS = ("messageId", "parentMessageId", "conversationId", "text")


class LibreChatFrames:
    """The `Frames` port in LibreChat's resumable protocol (v2)."""

    def encode(self, value: Progress | Synced) -> dict[str, Any]:
        if isinstance(value, Failed):
            return {
                "event": "error",
                "data": {"error": value.error, "generationProtocolVersion": PROTOCOL},
            }
        return {"event": "message", "data": _message(value)}

    def deltas(self, frame: dict[str, Any]) -> list[Delta]:
        data = frame.get("data") or {}
        if data.get("event") not in DELTA_EVENTS.values():
            return []
        inner = data["data"]
        found = []
        for part in inner["delta"]["content"]:
            kind = part.get("type")
            if kind in ("text", "think"):
                found.append(Delta(str(inner.get("id", "")), kind, str(part.get(kind, ""))))
        return found

    def terminal(self, frame: dict[str, Any]) -> bool:
        data = frame.get("data") or {}
        return frame.get("event") == "error" or data.get("final") is True

    def message(self, message: Message, conversation_id: UUID | str) -> dict[str, Any]:
        return message_json(message, conversation_id)

    def conversation(self, conversation: Conversation) -> dict[str, Any]:
        return conversation_json(conversation)


def status_json(status: Status | None) -> dict[str, Any]:
    """`GET /api/agents/chat/status/:conversationId`: the running generation, if any."""
    if status is None:
        return {"active": False, "generationProtocolVersion": PROTOCOL}
    return {
        "active": True,
        "generationProtocolVersion": PROTOCOL,
        "streamId": status.stream_id,
        "status": status.status,
        "aggregatedContent": status.content,
        "createdAt": status.created_at,
        "resumeState": _resume_state(status.state),
    }


def _message(value: Progress | Synced) -> dict[str, Any]:
    if isinstance(value, Created):
        return {"created": True, "message": value.message, "streamId": value.stream_id}
    if isinstance(value, RunStep):
        return _run_step(value)
    if isinstance(value, ToolStep):
        return _tool_step(value)
    if isinstance(value, ToolArgs):
        return _tool_delta(value.step)
    if isinstance(value, ToolDone):
        return _tool_done(value)
    if isinstance(value, Delta):
        content = [{"type": value.kind, value.kind: value.text}]
        return {
            "event": DELTA_EVENTS[value.kind],
            "data": {"id": value.step_id, "delta": {"content": content}},
        }
    if isinstance(value, Titled):
        title = {"conversationId": value.conversation_id, "title": value.title}
        return {"event": "title", "data": title}
    if isinstance(value, Final):
        return _final(value)
    if isinstance(value, Synced):
        return {"sync": True, "resumeState": _resume_state(value.state), "pendingEvents": []}
    raise TypeError(f"no LibreChat frame for {value!r}")


def _run_step(step: RunStep) -> dict[str, Any]:
    return {
        "event": "on_run_step",
        "data": {
            "id": step.step_id,
            "runId": step.response_id,
            "index": step.index,
            "type": "message_creation",
            "stepDetails": {
                "type": "message_creation",
                "message_creation": {"message_id": step.response_id},
            },
            "usage": None,
        },
    }


def _tool_step(step: ToolStep) -> dict[str, Any]:
    call = {"id": step.call.id, "name": step.call.name, "args": step.call.arguments}
    return {
        "event": "on_run_step",
        "data": {
            "id": step.step_id,
            "runId": step.response_id,
            "index": step.index,
            "type": "tool_calls",
            "stepDetails": {"type": "tool_calls", "tool_calls": [{**call, "type": "tool_call"}]},
            "usage": None,
        },
    }


def _tool_delta(step: ToolStep) -> dict[str, Any]:
    """`on_run_step_delta`: the call's arguments (they arrive whole from the provider)."""
    chunk = {"id": step.call.id, "name": step.call.name, "args": step.call.arguments}
    return {
        "event": "on_run_step_delta",
        "data": {
            "id": step.step_id,
            "delta": {
                "type": "tool_calls",
                "tool_calls": [{**chunk, "index": 0, "type": "tool_call_chunk"}],
            },
        },
    }


def _tool_done(done: ToolDone) -> dict[str, Any]:
    call = {"id": done.call.id, "name": done.call.name, "args": done.call.arguments}
    return {
        "event": "on_run_step_completed",
        "data": {
            "result": {
                "id": done.step_id,
                "index": done.index,
                "type": "tool_call",
                "tool_call": {**call, "output": done.output, "progress": 1, "type": "tool_call"},
            }
        },
    }


def _final(final: Final) -> dict[str, Any]:
    data: dict[str, Any] = {
        "final": True,
        "conversation": final.conversation,
        "title": final.title,
        "requestMessage": final.request_message,
        "responseMessage": final.response_message,
    }
    if final.aborted:
        data |= {"aborted": True, "earlyAbort": final.early_abort}
    data["generationProtocolVersion"] = PROTOCOL
    return data


def _resume_state(state: ResumeState) -> dict[str, Any]:
    return {
        "runSteps": [],
        "aggregatedContent": state.content,
        "userMessage": {k: state.user_message.get(k) for k in USER_MESSAGE_KEYS},
        "responseMessageId": state.response_message_id,
        "conversationId": state.conversation_id,
    }
