"""The OpenAI and Anthropic adapters drive the real SDKs against a local wire server."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from application.chat.ports import (
    ModelRequest,
    ProviderError,
    ReasoningDelta,
    TextDelta,
    Turn,
    Usage,
)
from infrastructure.chat.anthropic import AnthropicModel
from infrastructure.chat.echo import EchoModel
from infrastructure.chat.openai import OpenAIModel
from tests.fakes.provider_server import running_provider_server


@pytest.fixture(scope="module")
def provider_url() -> Iterator[str]:
    with running_provider_server() as url:
        yield url


def _model(kind: str, url: str) -> Any:
    if kind == "openai":
        return OpenAIModel(api_key="sk-test", base_url=f"{url}/v1", timeout=5)
    return AnthropicModel(api_key="sk-ant-test", base_url=url, timeout=5)


async def _collect(model: Any, prompt: str) -> list[Any]:
    request = ModelRequest(model="gpt-4o", turns=[Turn("user", prompt)], system="Be brief.")
    return [chunk async for chunk in model.stream(request)]


@pytest.mark.parametrize("kind", ["openai", "anthropic"])
async def test_streamed_text_and_usage_arrive(kind: str, provider_url: str) -> None:
    chunks = await _collect(_model(kind, provider_url), "Hi there")
    text = "".join(c.text for c in chunks if isinstance(c, TextDelta))
    assert text == f"Hello from {kind}: Hi there"
    usage = [c for c in chunks if isinstance(c, Usage)]
    assert len(usage) == 1 and usage[0].completion == 5 and usage[0].prompt > 0


@pytest.mark.parametrize("kind", ["openai", "anthropic"])
async def test_cache_tokens_are_reported_apart_from_prompt_tokens(
    kind: str, provider_url: str
) -> None:
    chunks = await _collect(_model(kind, provider_url), "cached [[cache]]")
    (usage,) = [c for c in chunks if isinstance(c, Usage)]
    assert usage.cache_read > 0
    if kind == "anthropic":
        assert usage.cache_write == 7


@pytest.mark.parametrize("kind", ["openai", "anthropic"])
async def test_reasoning_is_streamed_separately(kind: str, provider_url: str) -> None:
    chunks = await _collect(_model(kind, provider_url), "why [[think]]")
    assert "".join(c.text for c in chunks if isinstance(c, ReasoningDelta)) == "Let me think."


@pytest.mark.parametrize(
    ("kind", "status", "retryable"),
    [
        *[
            (kind, status, status != 400)
            for kind in ("openai", "anthropic")
            for status in (429, 500, 400)
        ],
        ("openai", 503, True),
        ("openai", 529, False),
        ("anthropic", 529, True),
        ("anthropic", 503, False),
    ],
)
async def test_provider_errors_become_provider_error(
    kind: str, status: int, retryable: bool, provider_url: str
) -> None:
    with pytest.raises(ProviderError) as caught:
        await _collect(_model(kind, provider_url), f"fail [[error:{status}]]")
    assert caught.value.status == status
    assert caught.value.retryable == retryable
    assert caught.value.message == f"{status}: fake error {status}"


@pytest.mark.parametrize("kind", ["openai", "anthropic"])
async def test_a_bare_error_text_is_shown_when_the_body_is_not_the_providers_shape(
    kind: str, provider_url: str
) -> None:
    with pytest.raises(ProviderError) as caught:
        await _collect(_model(kind, provider_url), "fail [[plain_error:404]]")
    assert (caught.value.status, caught.value.message) == (404, "404: fake error 404")


@pytest.mark.parametrize("kind", ["openai", "anthropic"])
async def test_a_mid_stream_disconnect_is_a_provider_error(kind: str, provider_url: str) -> None:
    with pytest.raises(ProviderError):
        await _collect(_model(kind, provider_url), "long answer please [[disconnect]]")


async def test_an_unreachable_provider_is_a_provider_error() -> None:
    model = OpenAIModel(api_key="sk", base_url="http://127.0.0.1:9/v1", timeout=2)
    with pytest.raises(ProviderError):
        await _collect(model, "hello")


async def test_echo_is_deterministic() -> None:
    first = await _collect(EchoModel(), "same words")
    assert first == await _collect(EchoModel(), "same words")
    assert "".join(c.text for c in first if isinstance(c, TextDelta)) == "Echo: same words"


@pytest.mark.parametrize("kind", ["openai", "anthropic"])
async def test_a_stalled_stream_times_out_as_a_provider_error(kind: str, provider_url: str) -> None:
    model = (
        OpenAIModel(api_key="sk", base_url=f"{provider_url}/v1", timeout=0.3)
        if kind == "openai"
        else AnthropicModel(api_key="sk", base_url=provider_url, timeout=0.3)
    )
    with pytest.raises(ProviderError) as caught:
        await _collect(model, "slow please [[slow:1.0]]")
    assert caught.value.retryable
