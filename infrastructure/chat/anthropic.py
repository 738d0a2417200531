"""Anthropic's Messages API through the official SDK, streaming text, thinking and usage."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from typing import Any

import anthropic

from application.chat.ports import (
    Chunk,
    ModelRequest,
    ReasoningDelta,
    TextDelta,
    ToolCall,
    Turn,
    Usage,
)
from infrastructure.chat.clients import PerLoop
from infrastructure.chat.errors import SdkErrors, provider_error

_ERRORS = SdkErrors(
    status=anthropic.APIStatusError,
    timeout=anthropic.APITimeoutError,
    connection=anthropic.APIConnectionError,
    base=anthropic.AnthropicError,
    retryable=frozenset({429, 500, 529}),
)


class AnthropicModel:
    def __init__(
        self,
        api_key: str,
        base_url: str | None = None,
        timeout: float = 60.0,
        max_retries: int = 0,
        default_max_tokens: int = 4096,
    ) -> None:
        self._clients = PerLoop(
            lambda: anthropic.AsyncAnthropic(
                api_key=api_key, base_url=base_url, timeout=timeout, max_retries=max_retries
            )
        )
        self._max_tokens = default_max_tokens

    async def stream(self, request: ModelRequest) -> AsyncIterator[Chunk]:
        usage, calls = _UsageTally(), _CallTally()
        try:
            stream = await self._clients.get().messages.create(**self._arguments(request))
            async for event in stream:
                if event.type in ("message_start", "message_delta"):
                    usage.read(event)
                elif calls.read(event):
                    continue
                elif (chunk := _delta(event)) is not None:
                    yield chunk
        except Exception as error:
            raise provider_error(error, _ERRORS) from None
        yield usage.total()
        for call in calls.done():
            yield call

    def _arguments(self, request: ModelRequest) -> dict[str, Any]:
        arguments: dict[str, Any] = {
            "model": request.model,
            "stream": True,
            "max_tokens": request.max_tokens or self._max_tokens,
            "messages": _messages(request.turns),
        }
        if request.system:
            arguments["system"] = request.system
        if request.tools:
            arguments["tools"] = [
                {"name": t.name, "description": t.description, "input_schema": t.parameters}
                for t in request.tools
            ]
        if request.temperature is not None:
            arguments["temperature"] = request.temperature
        return arguments


def _messages(turns: list[Turn]) -> list[dict[str, Any]]:
    """Tool calls are `tool_use` blocks of the assistant; their results `tool_result` blocks
    of the next user message (consecutive results share one)."""
    out: list[dict[str, Any]] = []
    for turn in turns:
        if turn.role == "system":
            continue
        if turn.role == "tool":
            block = {
                "type": "tool_result",
                "tool_use_id": turn.tool_call_id,
                "content": turn.text,
                "is_error": turn.is_error,
            }
            if out and out[-1]["role"] == "user" and isinstance(out[-1]["content"], list):
                out[-1]["content"].append(block)
            else:
                out.append({"role": "user", "content": [block]})
        elif turn.tool_calls:
            blocks: list[dict[str, Any]] = (
                [{"type": "text", "text": turn.text}] if turn.text else []
            )
            blocks += [
                {"type": "tool_use", "id": c.id, "name": c.name, "input": _json(c.arguments)}
                for c in turn.tool_calls
            ]
            out.append({"role": "assistant", "content": blocks})
        else:
            out.append({"role": turn.role, "content": _content(turn)})
    return out


def _json(arguments: str) -> Any:
    try:
        value = json.loads(arguments or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


class _CallTally:
    """A `tool_use` block starts with its id and name; its input arrives as JSON pieces."""

    def __init__(self) -> None:
        self.calls: dict[int, list[str]] = {}

    def read(self, event: Any) -> bool:
        """Whether the event belonged to a tool call."""
        if event.type == "content_block_start" and event.content_block.type == "tool_use":
            block = event.content_block
            self.calls[event.index] = [block.id, block.name, ""]
            return True
        if event.type == "content_block_delta" and event.delta.type == "input_json_delta":
            if event.index in self.calls:
                self.calls[event.index][2] += event.delta.partial_json
            return True
        return False

    def done(self) -> list[ToolCall]:
        return [ToolCall(i, n, a or "{}") for _, (i, n, a) in sorted(self.calls.items())]


class _UsageTally:
    """Input and cache tokens arrive in message_start, output tokens in message_delta."""

    def __init__(self) -> None:
        self.prompt = self.completion = self.cache_read = self.cache_write = 0

    def read(self, event: Any) -> None:
        usage = event.message.usage if event.type == "message_start" else event.usage
        self.prompt = getattr(usage, "input_tokens", None) or self.prompt
        self.cache_read = getattr(usage, "cache_read_input_tokens", None) or self.cache_read
        self.cache_write = getattr(usage, "cache_creation_input_tokens", None) or self.cache_write
        self.completion = getattr(usage, "output_tokens", None) or self.completion

    def total(self) -> Usage:
        return Usage(self.prompt, self.completion, self.cache_read, self.cache_write)


def _delta(event: Any) -> Chunk | None:
    if event.type != "content_block_delta":
        return None
    if event.delta.type == "text_delta":
        return TextDelta(event.delta.text)
    if event.delta.type == "thinking_delta":
        return ReasoningDelta(event.delta.thinking)
    return None


def _content(turn: Turn) -> str | list[dict[str, Any]]:
    """Text alone, or (a vision request) base64 `image` parts before the text part."""
    if not turn.images or turn.role != "user":
        return turn.text
    parts: list[dict[str, Any]] = [
        {
            "type": "image",
            "source": {
                "type": "base64",
                "media_type": image.type,
                "data": base64.b64encode(image.data).decode(),
            },
        }
        for image in turn.images
    ]
    return [*parts, {"type": "text", "text": turn.text}]
