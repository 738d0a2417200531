"""Pricing costs a turn what LibreChat would charge for it: API.md §10.4's worked examples,
the shipped table, and LibreChat's own code run over ~1,800 model ids (the oracle file)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from domain.billing.matching import value_key
from domain.billing.prices import PriceTable, load_price_table
from domain.billing.pricing import cache_multiplier, multiplier, prompt_cost
from domain.billing.spends import Pricing, PromptUsage, spend_structured_tokens, spend_tokens

ORACLE = json.loads((Path(__file__).parent / "data" / "librechat_pricing_cases.json").read_text())


@pytest.fixture(scope="module")
def table() -> PriceTable:
    return load_price_table()


def test_price_table_loads_with_librechat_entries(table: PriceTable) -> None:
    assert len(table.token_values) >= 250
    assert table.default_rate == 6
    assert table.token_values["gpt-4o"] == {"prompt": 2.5, "completion": 10}
    assert table.token_values["claude-opus-4"] == {"prompt": 15, "completion": 75}
    assert table.token_values["llama2-70b"] == {"prompt": 1.95, "completion": 2.56}
    assert table.cache_token_values["claude-sonnet-4"] == {"write": 3.75, "read": 0.3}
    assert table.premium_token_values["gpt-5.4"].threshold == 272000
    assert table.premium_token_values["gemini-3.1"].rates == {"prompt": 4, "completion": 18}
    assert "gpt-4-32k" in table.model_names["openAI"]


@pytest.mark.parametrize(
    ("model", "prompt", "completion"),
    [
        ("gpt-4", 30, 60),
        ("gpt-3.5-turbo", 1.5, 2),
        ("gpt-4o", 2.5, 10),
        ("gpt-4o-mini", 0.15, 0.6),
        ("gpt-4.1", 2, 8),
        ("gpt-4.1-mini", 0.4, 1.6),
        ("gpt-5", 1.25, 10),
        ("gpt-5-mini", 0.25, 2),
        ("o1", 15, 60),
        ("o3", 2, 8),
        ("o3-mini", 1.1, 4.4),
        ("o4-mini", 1.1, 4.4),
        ("gpt-4-1106-preview", 10, 30),
        ("claude-3-5-sonnet-20241022", 3, 15),
        ("claude-3-haiku-20240307", 0.25, 1.25),
        ("claude-3-opus-20240229", 15, 75),
        ("claude-sonnet-4-20250514", 3, 15),
        ("claude-opus-4-20250514", 15, 75),
        ("claude-haiku-4-5", 1, 5),
        ("gemini-2.5-pro", 1.25, 10),
        ("gemini-2.5-flash", 0.3, 2.5),
        ("gemini-2.0-flash", 0.1, 0.4),
        ("deepseek-chat", 0.28, 0.42),
        ("grok-3", 3, 15),
        ("command-r-plus", 3, 15),
        ("llama3-8b", 0.3, 0.6),
    ],
)
def test_table_excerpt_rate_matches_api_md(
    table: PriceTable, model: str, prompt: float, completion: float
) -> None:
    assert multiplier(table, "prompt", model=model) == prompt
    assert multiplier(table, "completion", model=model) == completion


def test_worked_example_gpt_4o_turn_costs_7500_credits(table: PriceTable) -> None:
    lines = spend_tokens(Pricing(table, "gpt-4o"), prompt_tokens=1000, completion_tokens=500)
    assert [(line.raw_amount, line.rate, line.token_value) for line in lines] == [
        (-1000, 2.5, Decimal(-2500)),
        (-500, 10, Decimal(-5000)),
    ]
    assert sum(line.token_value for line in lines) == -7500


def test_worked_example_claude_sonnet_4_structured_prompt_costs_5550(table: PriceTable) -> None:
    usage = PromptUsage(input=100, write=1000, read=5000)
    (line,) = spend_structured_tokens(
        Pricing(table, "claude-sonnet-4"), prompt=usage, completion_tokens=None
    )
    assert (line.raw_amount, line.token_value) == (-6100, Decimal(-5550))
    assert (line.input_tokens, line.write_tokens, line.read_tokens) == (-100, -1000, -5000)
    assert line.rate == pytest.approx(0.9098, abs=1e-4)


def test_worked_example_cache_rates_match_api_md(table: PriceTable) -> None:
    expected = {
        "claude-3-5-sonnet": (3.75, 0.3),
        "claude-sonnet-4": (3.75, 0.3),
        "claude-opus-4": (18.75, 1.5),
        "claude-3-haiku": (0.3, 0.03),
        "gpt-4o": (2.5, 1.25),
        "gpt-4o-mini": (0.15, 0.075),
        "gpt-4.1": (2, 0.5),
        "gpt-5": (1.25, 0.125),
        "o3": (2, 0.5),
        "deepseek-chat": (0.28, 0.028),
    }
    for model, (write, read) in expected.items():
        got = (
            cache_multiplier(table, "write", model=model),
            cache_multiplier(table, "read", model=model),
        )
        assert got == (write, read), model


def test_worked_example_premium_rate_applies_above_threshold_only(table: PriceTable) -> None:
    assert multiplier(table, "prompt", model="gpt-5.4", input_token_count=272000) == 2.5
    assert multiplier(table, "prompt", model="gpt-5.4", input_token_count=272001) == 5
    assert multiplier(table, "completion", model="gpt-5.4", input_token_count=272001) == 22.5
    assert multiplier(table, "prompt", model="gemini-3.1-pro", input_token_count=200001) == 4
    assert multiplier(table, "completion", model="gemini-3.1-pro", input_token_count=200001) == 18


def test_unknown_model_costs_the_default_rate(table: PriceTable) -> None:
    assert multiplier(table, "prompt", model="my-own-model") == 6
    assert multiplier(table, "completion", model="my-own-model") == 6
    assert cache_multiplier(table, "write", model="my-own-model") is None
    assert multiplier(table, None, model="gpt-4o") == 1


def test_incomplete_completion_costs_115_percent_rounded_as_librechat(table: PriceTable) -> None:
    pricing = Pricing(table, "gpt-4o", context="incomplete")
    (line,) = spend_tokens(pricing, prompt_tokens=None, completion_tokens=10)
    # -10 * 10 * 1.15 is -114.99999999999999 in doubles; LibreChat's Math.ceil makes it -114
    assert line.token_value == -114
    assert line.rate == pytest.approx(11.5)


def test_endpoint_override_prices_the_models_it_lists(table: PriceTable) -> None:
    config = {"my-model": {"prompt": 1.5, "completion": 2.25}}
    assert multiplier(table, "prompt", model="my-model", endpoint_token_config=config) == 1.5
    assert multiplier(table, "prompt", model="gpt-4o", endpoint_token_config=config) == 2.5
    assert cache_multiplier(table, "write", model="my-model", endpoint_token_config=config) is None


def test_prompt_cost_is_the_balance_check_estimate(table: PriceTable) -> None:
    assert prompt_cost(table, 1000, model="gpt-4o") == 2500
    assert prompt_cost(table, 7, model="gpt-4o-mini") == Decimal("1.05")


def test_value_key_and_rates_match_librechat_for_every_oracle_case(table: PriceTable) -> None:
    mismatches = []
    for model, endpoint, key, rates, long_rates in ORACLE["cases"]:
        got = [value_key(table, model, endpoint), _rates(table, model, endpoint, None)]
        got.append(_rates(table, model, endpoint, 300000))
        if got != [key, rates, long_rates]:
            mismatches.append((model, endpoint, got, [key, rates, long_rates]))
    assert mismatches == []
    assert len(ORACLE["cases"]) > 1500


def test_spend_lines_match_librechat_for_every_oracle_spend(table: PriceTable) -> None:
    mismatches = [spend for spend in ORACLE["spends"] if _lines(table, spend) != _expected(spend)]
    assert mismatches == []
    incomplete = [s for s in ORACLE["spends"] if s["context"] == "incomplete" and s["lines"]]
    assert len(incomplete) > 50


def _rates(table: PriceTable, model: str, endpoint: str | None, count: int | None) -> list[Any]:
    kw: dict[str, Any] = {"model": model, "endpoint": endpoint, "input_token_count": count}
    return [
        multiplier(table, "prompt", **kw),
        multiplier(table, "completion", **kw),
        cache_multiplier(table, "write", **kw),
        cache_multiplier(table, "read", **kw),
    ]


def _lines(table: PriceTable, spend: dict[str, Any]) -> list[dict[str, Any]]:
    pricing = Pricing(
        table, spend["model"], spend["context"], endpoint_token_config=spend.get("override")
    )
    if spend["kind"] == "plain":
        lines = spend_tokens(
            pricing,
            prompt_tokens=spend["prompt_tokens"],
            completion_tokens=spend["completion_tokens"],
        )
    else:
        usage = PromptUsage(spend["input"], spend["write"], spend["read"])
        lines = spend_structured_tokens(
            pricing, prompt=usage, completion_tokens=spend["completion_tokens"]
        )
    fields = ("token_type", "rate", "raw_amount", "token_value", "input_tokens", "write_tokens")
    return [{name: getattr(line, name) for name in (*fields, "read_tokens")} for line in lines]


def _expected(spend: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {**line, "token_value": Decimal(repr(float(line["token_value"])))}
        for line in spend["lines"]
    ]
