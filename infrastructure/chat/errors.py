"""One mapping from an official SDK's exceptions to `ProviderError`, for every adapter.

The OpenAI and Anthropic SDKs are generated from the same template, so their exception trees
have one shape: a status error carrying the parsed body, a timeout that is a kind of connection
error, and a common base. Each adapter passes its own classes and the statuses its provider
asks clients to retry (Anthropic's 529 "overloaded", OpenAI's 502/503 from its edge)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, cast

from application.chat.ports import ProviderError


class _StatusError(Protocol):
    status_code: int
    body: object
    message: str


@dataclass(frozen=True)
class SdkErrors:
    status: type[Exception]
    timeout: type[Exception]
    connection: type[Exception]
    base: type[Exception]
    retryable: frozenset[int]


def provider_error(error: Exception, sdk: SdkErrors) -> ProviderError:
    """The user-safe error for `error`; the SDK's own exception is never shown or chained."""
    if isinstance(error, sdk.status):
        failed = cast(_StatusError, error)
        status = failed.status_code
        return ProviderError(f"{status}: {_detail(failed)}", status, status in sdk.retryable)
    if isinstance(error, sdk.timeout):  # before `connection`: a timeout is one of those
        return ProviderError("The model provider timed out.", None, True)
    if isinstance(error, sdk.connection):
        return ProviderError("Could not reach the model provider.", None, True)
    if isinstance(error, sdk.base):
        return ProviderError(f"Model provider error: {error}")
    # transport errors mid-stream escape the SDK unwrapped
    return ProviderError("The model provider stream was interrupted.", None, True)


def _detail(error: _StatusError) -> str:
    """Where the text is: OpenAI's SDK hands over the body's `error` member (a dict, or the bare
    text some OpenAI-compatible servers send), Anthropic's the whole body."""
    body = error.body
    if isinstance(body, str) and body:
        return body
    if not isinstance(body, dict):
        return error.message
    nested = body.get("error")
    if isinstance(nested, dict):
        nested = nested.get("message")
    text = body.get("message") or (nested if isinstance(nested, str) else None)
    return str(text or error.message)
