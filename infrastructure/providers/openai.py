"""OpenAI and any OpenAI-compatible endpoint, through the official SDK's streaming API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import openai

from application.chat.ports import Chunk, ModelRequest, ProviderError, ReasoningDelta, TextDelta
from application.chat.ports import Usage as UsageChunk
from infrastructure.providers.clients import PerLoop


class OpenAIModel:
    def __init__(
        self, api_key: str, base_url: str | None = None, timeout: float = 60.0, max_retries: int = 0
    ) -> None:
        self._clients = PerLoop(
            lambda: openai.AsyncOpenAI(
                api_key=api_key, base_url=base_url, timeout=timeout, max_retries=max_retries
            )
        )

    async def stream(self, request: ModelRequest) -> AsyncIterator[Chunk]:
        try:
            stream = await self._clients.get().chat.completions.create(**_arguments(request))
            async for chunk in stream:
                for item in _chunks(chunk):
                    yield item
        except openai.APIStatusError as error:
            raise ProviderError(
                _message(error), error.status_code, error.status_code in (429, 500, 502, 503)
            ) from None
        except openai.APITimeoutError:
            raise ProviderError("The model provider timed out.", None, True) from None
        except openai.APIConnectionError:
            raise ProviderError("Could not reach the model provider.", None, True) from None
        except openai.OpenAIError as error:
            raise ProviderError(f"Model provider error: {error}") from None
        except Exception:  # transport errors mid-stream escape the SDK unwrapped
            raise ProviderError("The model provider stream was interrupted.", None, True) from None


def _arguments(request: ModelRequest) -> dict[str, Any]:
    messages: list[dict[str, str]] = []
    if request.system:
        messages.append({"role": "system", "content": request.system})
    messages += [{"role": t.role, "content": t.text} for t in request.turns]
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
    return arguments


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


def _message(error: openai.APIStatusError) -> str:
    body = error.body if isinstance(error.body, dict) else {}
    detail = body.get("message") or (body.get("error") or {}).get("message") or error.message
    return f"{error.status_code}: {detail}"
