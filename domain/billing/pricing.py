"""Rates and spends priced exactly as LibreChat prices them (`tx.ts`, `transaction.ts`,
`spendTokens.ts`). Pure functions over a `PriceTable`.

Rates are USD per 1M tokens, which is credits per token (1 USD = 1,000,000 credits). The
arithmetic is IEEE double, in LibreChat's order of operations, because its results depend on
it: `Math.ceil(-100 * 1.15)` is -114, not -115. Each line's token value then leaves as the
Decimal of its shortest representation (what LibreChat's JSON shows), so the ledger sums exact
decimals from there on.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from domain.billing.matching import value_key as find_value_key
from domain.billing.prices import CacheType, EndpointTokenConfig, PriceTable, Tier, TokenType


def multiplier(
    table: PriceTable,
    token_type: TokenType | None,
    *,
    model: str | None = None,
    value_key: str | None = None,
    endpoint: str | None = None,
    input_token_count: int | None = None,
    endpoint_token_config: EndpointTokenConfig | None = None,
) -> float:
    """Credits per token (LibreChat's `getMultiplier`)."""
    if endpoint_token_config and model:
        override = endpoint_token_config.get(model)
        if override:
            found = override.get(token_type) if token_type else None
            return table.default_rate if found is None else found
    if not (value_key and token_type):
        if not token_type or not model:
            return 1.0
        value_key = find_value_key(table, model, endpoint)
        if not value_key:
            return table.default_rate
    premium = _tier_rate(table.premium_token_values, value_key, token_type, input_token_count)
    if premium is not None:
        return premium
    found = table.token_values.get(value_key, {}).get(token_type)
    return table.default_rate if found is None else found


def cache_multiplier(
    table: PriceTable,
    cache_type: CacheType | None,
    *,
    model: str | None = None,
    value_key: str | None = None,
    endpoint: str | None = None,
    input_token_count: int | None = None,
    endpoint_token_config: EndpointTokenConfig | None = None,
) -> float | None:
    """Credits per cached token written or read, None when the model has no cache rate
    (LibreChat's `getCacheMultiplier`; the caller then charges the prompt rate)."""
    if endpoint_token_config and model:
        override = endpoint_token_config.get(model)
        if override:
            return override.get(cache_type) if cache_type else None
    if not (value_key and cache_type):
        if not cache_type or not model:
            return None
        value_key = find_value_key(table, model, endpoint)
        if not value_key:
            return None
    premium = _tier_rate(table.premium_cache_token_values, value_key, cache_type, input_token_count)
    if premium is not None:
        return premium
    return table.cache_token_values.get(value_key, {}).get(cache_type)


def _tier_rate(tiers: Mapping[str, Tier], key: str, kind: str, count: int | None) -> float | None:
    """The long-context rate, once the prompt exceeds the tier's threshold."""
    tier = tiers.get(key)
    if count is None or tier is None or count <= tier.threshold:
        return None
    return tier.rates.get(kind)


def prompt_cost(
    table: PriceTable,
    prompt_tokens: int,
    *,
    model: str | None,
    endpoint: str | None = None,
    value_key: str | None = None,
    endpoint_token_config: EndpointTokenConfig | None = None,
) -> Decimal:
    """What a turn must have available before it may start (LibreChat's `checkBalance`:
    `promptTokens * getMultiplier(prompt)`, with no long-context tier)."""
    rate = multiplier(
        table,
        "prompt",
        model=model,
        value_key=value_key,
        endpoint=endpoint,
        endpoint_token_config=endpoint_token_config,
    )
    return to_credits(prompt_tokens * rate)


def to_credits(value: float) -> Decimal:
    """A double as the decimal JavaScript would print for it (and 0, never -0)."""
    if value == 0:
        return Decimal(0)
    if value.is_integer():
        return Decimal(int(value))
    return Decimal(repr(value))
