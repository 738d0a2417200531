"""LibreChat's price tables as data: `prices.json`, shipped with the package and loaded once.

The file is generated from LibreChat's `tx.ts` (rates) and `utils/tokens.ts` (the model-name
keys its `matchModelName` fallback searches); its `source` field names the commit. Rates are
kept as the floats LibreChat computes with, in the order LibreChat defines them (the order
decides same-length ties when matching).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Literal

TokenType = Literal["prompt", "completion"]
CacheType = Literal["write", "read"]
EndpointTokenConfig = Mapping[str, Mapping[str, float]]
"""Per-endpoint overrides, model id → {prompt, completion, write, read}: LibreChat's
`endpointTokenConfig` (from `chronicle.yaml` or a fetched catalogue such as OpenRouter's)."""


@dataclass(frozen=True)
class Tier:
    """Long-context rates: they apply once the prompt holds more than `threshold` tokens."""

    threshold: int
    rates: Mapping[str, float]


@dataclass(frozen=True)
class PriceTable:
    source: str
    default_rate: float
    token_values: Mapping[str, Mapping[str, float]]
    cache_token_values: Mapping[str, Mapping[str, float]]
    premium_token_values: Mapping[str, Tier]
    premium_cache_token_values: Mapping[str, Tier]
    model_names: Mapping[str, tuple[str, ...]]
    """endpoint → the keys of LibreChat's `maxTokensMap[endpoint]`, in definition order."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PriceTable:
        return cls(
            source=str(data.get("source", "")),
            default_rate=float(data["default_rate"]),
            token_values=_rates(data["token_values"]),
            cache_token_values=_rates(data["cache_token_values"]),
            premium_token_values=_tiers(data["premium_token_values"]),
            premium_cache_token_values=_tiers(data["premium_cache_token_values"]),
            model_names={ep: tuple(keys) for ep, keys in data["model_names"].items()},
        )


@cache
def load_price_table() -> PriceTable:
    """The table shipped with Chronicle (read once per process)."""
    text = resources.files("domain.billing").joinpath("prices.json").read_text("utf-8")
    return PriceTable.from_dict(json.loads(text))


def _rates(raw: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, float]]:
    return {key: {kind: float(rate) for kind, rate in row.items()} for key, row in raw.items()}


def _tiers(raw: Mapping[str, Mapping[str, Any]]) -> dict[str, Tier]:
    tiers = {}
    for key, row in raw.items():
        rates = {kind: float(rate) for kind, rate in row.items() if kind != "threshold"}
        tiers[key] = Tier(threshold=int(row["threshold"]), rates=rates)
    return tiers
