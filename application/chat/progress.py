"""What happens in a generation, as typed values; the wire format that carries them is a port.

The application decides *what* a reader is told (the turn was created, a delta arrived, the
title was made, the answer is final, the provider failed); `Frames` decides *how* it looks on
the stream bus and over SSE (LibreChat's JSON, in api/chat/frames.py). Frames are encoded once,
when published, so every process that replays a stream reads the same bytes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Protocol
from uuid import UUID

from application.chat.ports import ToolCall
from domain.conversations.conversation import Conversation, Message

PROTOCOL = 2  # LibreChat's resumable generation protocol, the one this backend speaks
DeltaKind = Literal["text", "think"]


@dataclass(frozen=True)
class Created:
    """The turn is accepted: the request message as recorded."""

    message: dict[str, Any]
    stream_id: str


@dataclass(frozen=True)
class RunStep:
    """A text step of the answer starts (the id its deltas name); `index` is its place in
    the answer's content (an agent's answer has a step per model call and per tool call)."""

    step_id: str
    response_id: str
    index: int = 0


@dataclass(frozen=True)
class ToolStep:
    """The model asked for tools: one step per call (LibreChat's `tool_calls` run step)."""

    step_id: str
    response_id: str
    index: int
    call: ToolCall


@dataclass(frozen=True)
class ToolArgs:
    """A tool call's arguments (`on_run_step_delta`); providers deliver them whole."""

    step: ToolStep


@dataclass(frozen=True)
class ToolDone:
    """A tool call's result (`on_run_step_completed`)."""

    step_id: str
    index: int
    call: ToolCall
    output: str


@dataclass(frozen=True)
class Delta:
    step_id: str
    kind: DeltaKind
    text: str


@dataclass(frozen=True)
class Titled:
    conversation_id: str
    title: str


@dataclass(frozen=True)
class Final:
    """The answer as recorded; an aborted one carries only the conversation's id."""

    conversation: dict[str, Any]
    title: str
    request_message: dict[str, Any]
    response_message: dict[str, Any]
    aborted: bool = False
    early_abort: bool = False  # aborted before any text arrived


@dataclass(frozen=True)
class Failed:
    """The provider failed; `error` is safe to show the user."""

    error: str


@dataclass(frozen=True)
class ResumeState:
    """What a client that joins mid-turn starts from (application/chat/resume.py)."""

    content: list[dict[str, Any]]
    user_message: dict[str, Any]
    response_message_id: str
    conversation_id: str


@dataclass(frozen=True)
class Synced:
    """The snapshot a resuming reader gets before the frames after it."""

    state: ResumeState


@dataclass(frozen=True)
class Status:
    """A conversation's running generation, as the status endpoint reports it."""

    stream_id: str
    status: str
    content: list[dict[str, Any]]
    created_at: int
    state: ResumeState


Progress = Created | RunStep | ToolStep | ToolArgs | ToolDone | Delta | Titled | Final | Failed


class Frames(Protocol):
    """The wire format of generation frames: `{"event": ..., "data": {...}}` dicts, as the
    stream bus stores them (ports.StreamBus)."""

    def encode(self, value: Progress | Synced) -> dict[str, Any]: ...

    def deltas(self, frame: dict[str, Any]) -> list[Delta]:
        """The deltas an encoded frame carries (none for other frames)."""
        ...

    def terminal(self, frame: dict[str, Any]) -> bool:
        """Whether the frame ends its stream (`Final` or `Failed`)."""
        ...

    def message(self, message: Message, conversation_id: UUID | str) -> dict[str, Any]:
        """A recorded message as frames carry it (and as the job keeps its user message on
        the bus, for every process that resumes or finishes the turn)."""
        ...

    def conversation(self, conversation: Conversation) -> dict[str, Any]:
        """A conversation as the `final` frame carries it."""
        ...
