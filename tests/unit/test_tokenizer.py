"""Token counts as LibreChat makes them, from the o200k_base file shipped in the package
(expected ids from an independent implementation, the Rust `bpe-openai` crate)."""

from __future__ import annotations

import pytest

from application.billing.tokens import completion_tokens, message_tokens, prompt_tokens
from infrastructure.tokenizer.bpe import O200kCounter

COUNTER = O200kCounter()


@pytest.mark.parametrize(
    ("text", "ids"),
    [
        ("hello world", [24912, 2375]),
        ("Smoke tests keep releases honest.", [117228, 10742, 3357, 30979, 13734, 13]),
        (
            "  \n\n def f(x):\n    return x**2",
            [11691, 1056, 285, 4061, 1883, 271, 622, 1215, 410, 17],
        ),
        (
            "Привет, мир! 你好世界 1234567",
            [23881, 131903, 11, 37934, 0, 220, 177519, 28428, 220, 7633, 19354, 22],
        ),
    ],
)
def test_the_shipped_encoding_is_openais_o200k_base(text: str, ids: list[int]) -> None:
    assert COUNTER.encoding().encode(text) == ids
    assert COUNTER.count(text) == len(ids)


def test_special_token_text_is_counted_as_text_never_refused() -> None:
    assert COUNTER.count("<|endoftext|>") == 7
    assert COUNTER.count("") == 0


def test_messages_cost_three_tokens_plus_role_and_text_as_librechat_counts() -> None:
    assert message_tokens(COUNTER, "gpt-4o", "user", "hello world") == 3 + 1 + 2
    turns = [("system", "Be brief."), ("user", "hello world")]
    assert prompt_tokens(COUNTER, "gpt-4o", turns) == (3 + 1 + 3) + (3 + 1 + 2)
    assert completion_tokens(COUNTER, "gpt-4o", "") == 0
    assert completion_tokens(COUNTER, "gpt-4o", "hello world") == 3 + 1 + 2


def test_claude_counts_get_librechats_correction() -> None:
    # ceil((3 + 1 + 2) * 1.1) = 7
    assert message_tokens(COUNTER, "claude-sonnet-4", "user", "hello world") == 7
    assert message_tokens(COUNTER, "anthropic/Claude-3", "user", "hello world") == 7
