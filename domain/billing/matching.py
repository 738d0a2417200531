"""Model id → price key, exactly as LibreChat matches them (`findMatchingPattern`,
`matchModelName`, `getValueKey`), so a model costs here what it costs there."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from domain.billing.prices import PriceTable

DEFAULT_ENDPOINT = "openAI"
"""`matchModelName`'s default when the caller names no endpoint."""

# LibreChat's `getAnthropicSonnet46PlusContext`: these models keep their own name in
# `matchModelName` rather than collapsing to `claude-sonnet-4` (case-sensitive, like JS).
_SONNET_46_PLUS = re.compile(
    r"(?:claude-sonnet[-.]?4[-.]?(?:[6-9]|\d{2})|claude[-.]?4[-.]?(?:[6-9]|\d{2})[-.]?sonnet)"
    r"(?=$|[^0-9])"
)
_SONNET_46_PLUS_ENDPOINTS = frozenset({"anthropic", "bedrock", "openAI", "agents", "custom"})

# `getValueKey`'s fallback for OpenAI names that no table key contains, checked in order.
_LEGACY_OPENAI = (
    ("gpt-3.5-turbo-16k", "16k"),
    ("gpt-3.5", "4k"),
    ("gpt-4-vision", "gpt-4-1106"),
    ("gpt-4-0125", "gpt-4-1106"),
    ("gpt-4-turbo", "gpt-4-1106"),
    ("gpt-4-32k", "32k"),
    ("gpt-4", "8k"),
)


def _longest_key(lower_model: str, keys: Sequence[str]) -> str | None:
    """The longest key contained in the name; scanning backwards makes the last-defined key
    win a same-length tie, and a key as long as the name (the name itself) ends the scan."""
    best: str | None = None
    best_length = 0
    for key in reversed(keys):
        lower_key = key.lower()
        if len(lower_key) > best_length and lower_key in lower_model:
            if len(lower_key) == len(lower_model):
                return key
            best, best_length = key, len(lower_key)
    return best


def find_matching_pattern(model: str, keys: Iterable[str]) -> str | None:
    """For `vendor/model` ids the model segment is matched, so that a vendor name
    (`moonshotai/…` → `moonshot`) never outranks the model; a key that itself names the
    vendor (`org/model`, as in OpenRouter-built configs) is still the best answer."""
    ordered = list(keys)
    lower = model.lower()
    slash = lower.rfind("/")
    if slash == -1:
        return _longest_key(lower, ordered)
    full = _longest_key(lower, ordered)
    if full is not None and "/" in full:
        return full
    segment = _longest_key(lower[slash + 1 :], ordered)
    return segment if segment is not None else full


def match_model_name(table: PriceTable, model: str, endpoint: str | None = None) -> str:
    """LibreChat's canonical name for a model: the longest context-window key it contains,
    else the model id itself."""
    endpoint = DEFAULT_ENDPOINT if endpoint is None else endpoint
    names = table.model_names.get(endpoint)
    if names is None or model in names:
        return model
    matched = find_matching_pattern(model, names)
    if matched in ("claude-sonnet-4", "claude-4") and _sonnet_46_plus(model, endpoint):
        return model
    return matched or model


def _sonnet_46_plus(model: str, endpoint: str) -> bool:
    return endpoint in _SONNET_46_PLUS_ENDPOINTS and _SONNET_46_PLUS.search(model) is not None


def value_key(table: PriceTable, model: str | None, endpoint: str | None = None) -> str | None:
    """The `tokenValues` key that prices `model` (LibreChat's `getValueKey`), or None."""
    if not model:
        return None
    if not endpoint or endpoint not in table.token_values:
        matched = find_matching_pattern(model, table.token_values)
        if matched:
            return matched
    name = match_model_name(table, model, endpoint)
    return next((key for pattern, key in _LEGACY_OPENAI if pattern in name), None)
