"""A turn's usage → LibreChat's spend lines (`spendTokens`, `spendStructuredTokens` and the
`calculate*TokenValue` they call), ready for `LedgerAccount.post_spend`."""

from __future__ import annotations

import math
from dataclasses import dataclass

from domain.billing.events import SpendLine
from domain.billing.prices import CacheType, EndpointTokenConfig, PriceTable, TokenType
from domain.billing.pricing import cache_multiplier, multiplier, to_credits

CANCEL_RATE = 1.15
"""LibreChat's surcharge on the completion of an aborted (`incomplete`) generation."""


@dataclass(frozen=True)
class Pricing:
    """What prices one turn's usage: the table, the model, the spend's context (`message`,
    `title`, `summarization`, `subagent`, `incomplete`) and the endpoint's overrides."""

    table: PriceTable
    model: str | None
    context: str = "message"
    value_key: str | None = None
    endpoint_token_config: EndpointTokenConfig | None = None


@dataclass(frozen=True)
class PromptUsage:
    """Prompt tokens split as providers with prompt caching report them."""

    input: int = 0
    write: int = 0
    read: int = 0


def spend_tokens(
    pricing: Pricing, *, prompt_tokens: int | None, completion_tokens: int | None
) -> tuple[SpendLine, ...]:
    """A prompt line when prompt tokens are given, a completion line when completion tokens
    are (zero included: LibreChat records a zero transaction)."""
    prompt = max(prompt_tokens or 0, 0)
    lines = []
    if prompt_tokens is not None:
        lines.append(_priced(pricing, "prompt", -prompt, prompt, pricing.value_key))
    if completion_tokens is not None:
        raw = -max(completion_tokens, 0)
        lines.append(_priced(pricing, "completion", raw, prompt, pricing.value_key))
    return tuple(lines)


def spend_structured_tokens(
    pricing: Pricing, *, prompt: PromptUsage | None, completion_tokens: int | None
) -> tuple[SpendLine, ...]:
    """Cache writes and reads priced at their own rates (the prompt rate where the model has
    none); LibreChat skips a zero or absent completion here, and ignores `value_key`."""
    lines = []
    total = None
    if prompt is not None:
        split = max(prompt.input, 0), max(prompt.write, 0), max(prompt.read, 0)
        total = sum(split)
        lines.append(_structured_prompt(pricing, *split, total))
    if completion_tokens:
        raw = -max(completion_tokens, 0)
        lines.append(_priced(pricing, "completion", raw, total, None, structured=True))
    return tuple(lines)


def _priced(
    pricing: Pricing,
    kind: TokenType,
    raw: int,
    input_count: int | None,
    value_key: str | None,
    *,
    structured: bool = False,
) -> SpendLine:
    signed = _rate(pricing, kind, input_count, value_key)
    rate = abs(signed)
    # Only a negative override tells these apart: the structured path keeps its sign.
    value = raw * signed if structured else raw * rate
    if kind == "completion" and pricing.context == "incomplete":
        value, rate = math.ceil(value * CANCEL_RATE), rate * CANCEL_RATE
    return _line(pricing, kind, raw, rate, value, value_key=value_key)


def _rate(
    pricing: Pricing, kind: TokenType, input_count: int | None, value_key: str | None
) -> float:
    return multiplier(
        pricing.table,
        kind,
        model=pricing.model,
        value_key=value_key,
        input_token_count=input_count,
        endpoint_token_config=pricing.endpoint_token_config,
    )


def _cache_rate(pricing: Pricing, kind: CacheType, input_count: int, fallback: float) -> float:
    rate = cache_multiplier(
        pricing.table,
        kind,
        model=pricing.model,
        input_token_count=input_count,
        endpoint_token_config=pricing.endpoint_token_config,
    )
    return fallback if rate is None else rate


def _structured_prompt(
    pricing: Pricing, input: int, write: int, read: int, total: int
) -> SpendLine:
    prompt_rate = _rate(pricing, "prompt", total, None)
    write_rate = _cache_rate(pricing, "write", total, prompt_rate)
    read_rate = _cache_rate(pricing, "read", total, prompt_rate)
    if total > 0:
        weighted = abs(prompt_rate * -input) + abs(write_rate * -write) + abs(read_rate * -read)
        rate = weighted / total
    else:
        rate = abs(prompt_rate)
    value = -(input * prompt_rate + write * write_rate + read * read_rate)
    return _line(pricing, "prompt", -total, rate, value, tokens=(-input, -write, -read))


def _line(
    pricing: Pricing,
    kind: TokenType,
    raw: int,
    rate: float,
    value: float,
    *,
    value_key: str | None = None,
    tokens: tuple[int, int, int] | None = None,
) -> SpendLine:
    input_tokens, write_tokens, read_tokens = tokens if tokens is not None else (None, None, None)
    return SpendLine(
        token_type=kind,
        model=pricing.model,
        context=pricing.context,
        value_key=value_key,
        rate=rate,
        raw_amount=raw,
        token_value=to_credits(float(value)),
        input_tokens=input_tokens,
        write_tokens=write_tokens,
        read_tokens=read_tokens,
    )
