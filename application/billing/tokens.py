"""Counting a turn's tokens as LibreChat counts them when the provider reports none
(`countFormattedMessageTokens` in packages/api/src/agents/client.ts): every message costs 3
tokens plus its role and its text; Claude models get LibreChat's 1.1 correction, since the
count is made with OpenAI's o200k_base BPE (LibreChat's agents use it for every other model)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Protocol

TOKENS_PER_MESSAGE = 3
CLAUDE_TOKEN_CORRECTION = 1.1


class TokenCounter(Protocol):
    """Tokens in a text, by OpenAI's o200k_base BPE."""

    def count(self, text: str) -> int: ...


def message_tokens(counter: TokenCounter, model: str | None, role: str, text: str) -> int:
    tokens = TOKENS_PER_MESSAGE + counter.count(role) + counter.count(text)
    return math.ceil(tokens * CLAUDE_TOKEN_CORRECTION) if _claude(model) else tokens


def prompt_tokens(
    counter: TokenCounter, model: str | None, messages: Iterable[tuple[str, str]]
) -> int:
    """The prompt of a turn: (role, text) for the system message (if any) and the history."""
    return sum(message_tokens(counter, model, role, text) for role, text in messages)


def completion_tokens(counter: TokenCounter, model: str | None, text: str) -> int:
    """LibreChat's `getTokenCountForResponse`: the answer as one assistant message."""
    return message_tokens(counter, model, "assistant", text) if text else 0


def _claude(model: str | None) -> bool:
    return bool(model) and "claude" in (model or "").lower()
