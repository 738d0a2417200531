"""Anthropic's Messages API through the official SDK, streaming text, thinking and usage."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from typing import Any

import anthropic

from application.chat.ports import (
    Chunk,
    ModelRequest,
    ReasoningDelta,
    TextDelta,
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
        usage = _UsageTally()
        try:
            stream = await self._clients.get().messages.create(**self._arguments(request))
            async for event in stream:
                if event.type in ("message_start", "message_delta"):
                    usage.read(event)
                elif (chunk := _delta(event)) is not None:
                    yield chunk
        except Exception as error:
            raise provider_error(error, _ERRORS) from None
        yield usage.total()

    def _arguments(self, request: ModelRequest) -> dict[str, Any]:
        arguments: dict[str, Any] = {
            "model": request.model,
            "stream": True,
            "max_tokens": request.max_tokens or self._max_tokens,
            "messages": [
                {"role": t.role, "content": _content(t)}
                for t in request.turns
                if t.role != "system"
            ],
        }
        if request.system:
            arguments["system"] = request.system
        if request.temperature is not None:
            arguments["temperature"] = request.temperature
        return arguments


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
