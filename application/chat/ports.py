"""The model-provider port: one streaming call, provider-neutral chunks, typed failures."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol
from uuid import UUID

Role = Literal["system", "user", "assistant", "tool"]


@dataclass(frozen=True)
class ToolSpec:
    """A tool the model may call: its name, what it does, its arguments' JSON schema."""

    name: str
    description: str
    parameters: dict[str, Any]


@dataclass(frozen=True)
class ToolCall:
    """The model asks for a tool: `arguments` is the JSON text the model wrote."""

    id: str
    name: str
    arguments: str


@dataclass(frozen=True)
class TurnImage:
    """An image sent with a message, for vision models (OpenAI `image_url`, Anthropic
    `image` parts, both as base64)."""

    type: str
    data: bytes


@dataclass(frozen=True)
class Turn:
    """A message of the history. An assistant turn may carry the tool calls it asked for;
    a `tool` turn is one call's result (`tool_call_id`; `is_error` when the tool failed)."""

    role: Role
    text: str
    tool_calls: tuple[ToolCall, ...] = ()
    tool_call_id: str = ""
    is_error: bool = False
    images: tuple[TurnImage, ...] = ()


class Attachments(Protocol):
    """The files a chat message carries (the files context's, owner-checked)."""

    def resolve(
        self, user_id: UUID, refs: list[dict[str, Any]], endpoint: str | None
    ) -> list[dict[str, Any]]:
        """The message's `files`: a file the sender uploaded as recorded, any other as sent
        (it reaches no model); more than the endpoint's `fileLimit` raises Invalid."""
        ...

    def attach(
        self, user_id: UUID, files: list[dict[str, Any]], conversation_id: UUID, message_id: UUID
    ) -> None: ...

    def turn(self, user_id: UUID, role: Role, text: str, files: list[dict[str, Any]]) -> Turn:
        """The message as the model sees it: documents' text before the message (within
        `fileTokenLimit`), images as image parts."""
        ...


@dataclass(frozen=True)
class ModelRequest:
    model: str
    turns: list[Turn]
    system: str = ""
    temperature: float | None = None
    max_tokens: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    tools: tuple[ToolSpec, ...] = ()


@dataclass(frozen=True)
class Usage:
    """Tokens as the provider reports them; `prompt` excludes cache reads and writes."""

    prompt: int = 0
    completion: int = 0
    cache_read: int = 0
    cache_write: int = 0


@dataclass(frozen=True)
class TextDelta:
    text: str


@dataclass(frozen=True)
class ReasoningDelta:
    text: str


Chunk = TextDelta | ReasoningDelta | Usage | ToolCall


class ProviderError(Exception):
    """The provider refused or failed; `message` is safe to show the user."""

    def __init__(self, message: str, status: int | None = None, retryable: bool = False):
        super().__init__(message)
        self.message = message
        self.status = status
        self.retryable = retryable


class ChatModel(Protocol):
    """Streams one completion. Raises `ProviderError`; never leaks SDK exceptions. A model
    given `tools` may end its stream with `ToolCall`s (each complete), instead of or after
    text: the caller runs them and calls again with the results."""

    def stream(self, request: ModelRequest) -> AsyncIterator[Chunk]: ...


@dataclass
class Job:
    """A generation in flight (or just finished): what a resuming client needs."""

    stream_id: str
    conversation_id: str
    user_id: str
    created_at: int  # epoch ms, LibreChat's generationCreatedAt
    response_message_id: str
    user_message: dict[str, Any]
    status: str = "running"  # running | completed | aborted | error
    text: str = ""
    reasoning: str = ""
    owner: str = ""
    heartbeat: float = 0.0
    client_request_id: str = ""
    new_conversation: bool = False
    endpoint: str = ""  # what the turn runs on, so a sweep records the answer as it was
    model: str = ""
    prefix: str = ""  # the text a continued answer starts from, before any frame
    turn_id: str = ""  # names the turn's billing transfers (application/billing/charges.py)
    prompt_tokens: int = 0  # the prompt as counted when the turn was held


class StreamBus(Protocol):
    """Fan-out of a generation's frames to any number of readers, on any API process.

    Frames are `{"event": "message" | "error", "data": {...}}` (encoded by the `Frames` port,
    application/chat/progress.py), numbered from 1 in publish order; a reader resumes after
    the last number it saw. In memory when embedded, Redis
    Streams when distributed."""

    async def create(self, job: Job) -> bool: ...
    async def get(self, stream_id: str) -> Job | None: ...
    async def save(self, job: Job) -> None: ...
    async def publish(self, stream_id: str, frame: dict[str, Any]) -> int: ...
    def frames(
        self, stream_id: str, after: int = 0
    ) -> AsyncIterator[tuple[int, dict[str, Any]]]: ...
    async def backlog(self, stream_id: str) -> list[dict[str, Any]]:
        """The frames published so far, in order (frame n at index n - 1), without waiting."""
        ...

    async def finish(self, job: Job, status: str) -> None: ...
    async def request_abort(self, stream_id: str) -> None: ...
    async def abort_requested(self, stream_id: str) -> bool: ...
    async def active(self, user_id: str) -> list[str]: ...
    async def by_request(self, user_id: str, client_request_id: str) -> str | None: ...
    async def running(self) -> list[Job]: ...
