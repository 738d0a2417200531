"""Models' context windows as LibreChat knows them (`maxTokensMap`, `getModelMaxTokens` in
packages/api/src/utils/tokens.ts): `windows.json`, generated from that file (its `source`
names the commit), matched by the same longest-key rule as prices (matching.py)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

from domain.billing.matching import _sonnet_46_plus, find_matching_pattern

SONNET_46_PLUS_CONTEXT = 1_000_000  # LibreChat's getAnthropicSonnet46PlusContext


@cache
def _windows() -> dict[str, dict[str, int]]:
    text = resources.files("domain.billing").joinpath("windows.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    windows: dict[str, dict[str, int]] = dict(data["windows"])
    for alias, target in data["aliases"].items():
        windows[alias] = windows[target]
    return windows


def window_endpoint(endpoint: str) -> str:
    """The map an endpoint reads: its own, else `custom`'s (LibreChat's `maxTokensMap[endpoint]
    != null ? endpoint : custom`)."""
    return endpoint if endpoint in _windows() else "custom"


def context_window(
    model: str, endpoint: str, override: Mapping[str, Mapping[str, float]] | None = None
) -> float | None:
    """LibreChat's `getModelMaxTokens(model, endpoint, endpointTokenConfig)`: an override's
    `context` for the model (exact or by pattern), else the built-in window, else None."""
    if override:
        found = _override_context(model, override)
        if found is not None:
            return found
    endpoint = window_endpoint(endpoint)
    if _sonnet_46_plus(model, endpoint):
        return SONNET_46_PLUS_CONTEXT
    table = _windows()[endpoint]
    if model in table:
        return table[model]
    matched = find_matching_pattern(model, table)
    return table[matched] if matched is not None else table.get("system_default")


def _override_context(model: str, override: Mapping[str, Mapping[str, float]]) -> float | None:
    rates = override.get(model)
    if rates is None:
        matched = find_matching_pattern(model, override)
        rates = override.get(matched) if matched is not None else None
    return rates.get("context") if rates is not None else None
