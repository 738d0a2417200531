"""OpenAI and any OpenAI-compatible endpoint, through the official SDK's streaming API."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from typing import Any

import openai

from application.chat.ports import Chunk, ModelRequest, ReasoningDelta, TextDelta, ToolCall, Turn
from application.chat.ports import Usage as UsageChunk
from infrastructure.chat.clients import PerLoop
from infrastructure.chat.errors import SdkErrors, provider_error

_ERRORS = SdkErrors(
    status=openai.APIStatusError,
    timeout=openai.APITimeoutError,
    connection=openai.APIConnectionError,
    base=openai.OpenAIError,
    retryable=frozenset({429, 500, 502, 503}),
)


_KEPT = frozenset({"model", "messages", "stream", "stream_options"})


class OpenAIModel:
    def __init__(
        self,
        api_key: str,
        base_url: str | None = None,
        timeout: float = 60.0,
        max_retries: int = 0,
        headers: dict[str, str] | None = None,
        add_params: dict[str, Any] | None = None,
        drop_params: tuple[str, ...] = (),
    ) -> None:
        """`add_params` / `drop_params`: librechat.yaml's `addParams` / `dropParams`, merged
        into (or removed from) every request; the model, messages and streaming stay."""
        self._add = {k: v for k, v in (add_params or {}).items() if k not in _KEPT}
        self._drop = tuple(p for p in drop_params if p not in _KEPT)
        self._clients = PerLoop(
            lambda: openai.AsyncOpenAI(
                api_key=api_key,
                base_url=base_url,
                timeout=timeout,
                max_retries=max_retries,
                default_headers=headers or None,
            )
        )

    async def list(self) -> list[str]:
        """The provider's model ids (`GET /models`), for librechat.yaml's `models.fetch`."""
        page = await self._clients.get().models.list()
        return [model.id async for model in page]

    async def stream(self, request: ModelRequest) -> AsyncIterator[Chunk]:
        try:
            arguments = _arguments(request) | self._add
            for name in self._drop:
                arguments.pop(name, None)
            stream = await self._clients.get().chat.completions.create(**arguments)
            calls = _CallTally()
            async for chunk in stream:
                calls.read(chunk)
                for item in _chunks(chunk):
                    yield item
        except Exception as error:
            raise provider_error(error, _ERRORS) from None
        for call in calls.done():
            yield call


def _content(turn: Turn) -> str | list[dict[str, Any]]:
    """Text alone, or (a vision request) a text part and one `image_url` part per image."""
    if not turn.images or turn.role != "user":
        return turn.text
    parts: list[dict[str, Any]] = [{"type": "text", "text": turn.text}]
    for image in turn.images:
        url = f"data:{image.type};base64,{base64.b64encode(image.data).decode()}"
        parts.append({"type": "image_url", "image_url": {"url": url}})
    return parts


def _arguments(request: ModelRequest) -> dict[str, Any]:
    messages: list[dict[str, Any]] = []
    if request.system:
        messages.append({"role": "system", "content": request.system})
    messages += [_message(t) for t in request.turns]
    arguments: dict[str, Any] = {
        "model": request.model,
        "messages": messages,
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    if request.temperature is not None:
        arguments["temperature"] = request.temperature
    if request.max_tokens is not None:
        arguments["max_tokens"] = request.max_tokens
    if request.tools:
        arguments["tools"] = [
            {
                "type": "function",
                "function": {
                    "name": t.name,
                    "description": t.description,
                    "parameters": t.parameters,
                },
            }
            for t in request.tools
        ]
    return arguments


def _message(turn: Turn) -> dict[str, Any]:
    if turn.role == "tool":
        return {"role": "tool", "tool_call_id": turn.tool_call_id, "content": turn.text}
    message: dict[str, Any] = {"role": turn.role, "content": _content(turn)}
    if turn.tool_calls:
        message["content"] = turn.text or None
        message["tool_calls"] = [
            {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
            for c in turn.tool_calls
        ]
    return message


class _CallTally:
    """Tool calls arrive in pieces, by index: the id and name first, the arguments after."""

    def __init__(self) -> None:
        self.calls: dict[int, dict[str, str]] = {}

    def read(self, chunk: Any) -> None:
        for choice in chunk.choices or []:
            for piece in getattr(choice.delta, "tool_calls", None) or []:
                call = self.calls.setdefault(piece.index, {"id": "", "name": "", "arguments": ""})
                call["id"] = piece.id or call["id"]
                function = piece.function
                if function is not None:
                    call["name"] = function.name or call["name"]
                    call["arguments"] += function.arguments or ""

    def done(self) -> list[ToolCall]:
        return [
            ToolCall(c["id"] or f"call_{i}", c["name"], c["arguments"])
            for i, c in sorted(self.calls.items())
            if c["name"]
        ]


def _chunks(chunk: Any) -> list[Chunk]:
    out: list[Chunk] = []
    for choice in chunk.choices or []:
        delta = choice.delta
        reasoning = getattr(delta, "reasoning_content", None) or getattr(delta, "reasoning", None)
        if reasoning:
            out.append(ReasoningDelta(reasoning))
        if delta.content:
            out.append(TextDelta(delta.content))
    if chunk.usage:
        cached = getattr(chunk.usage.prompt_tokens_details, "cached_tokens", 0) or 0
        out.append(
            UsageChunk(
                prompt=chunk.usage.prompt_tokens - cached,
                completion=chunk.usage.completion_tokens,
                cache_read=cached,
            )
        )
    return out
