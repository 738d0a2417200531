"""What the memory use cases need from outside."""

from __future__ import annotations

from typing import Protocol


class TokenCounter(Protocol):
    """Tokens in a text, as LibreChat counts a memory's value (`Tokenizer.getTokenCount(value,
    'o200k_base')`)."""

    def count(self, text: str) -> int: ...
