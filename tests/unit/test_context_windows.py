"""Context windows as LibreChat's `getModelMaxTokens` resolves them: exact names, the longest
contained key, an endpoint's `tokenConfig` first, custom endpoints reading `custom`'s map."""

from __future__ import annotations

from domain.billing.windows import context_window, window_endpoint


def test_known_models_have_librechats_windows() -> None:
    assert context_window("gpt-4", "openAI") == 8187
    assert context_window("gpt-4-0613-preview", "openAI") == 8187  # longest contained key
    assert context_window("claude-sonnet-4-6", "anthropic") == 1_000_000
    assert context_window("unheard-of-model", "openAI") is None


def test_custom_endpoints_read_the_custom_map_and_their_token_config_first() -> None:
    assert window_endpoint("groq") == "custom" and window_endpoint("anthropic") == "anthropic"
    assert context_window("llama-3.1-8b", "custom") == context_window("llama-3.1-8b", "openAI")
    override = {"my-model": {"context": 4096}, "gpt-4": {"prompt": 1.0}}
    assert context_window("my-model", "custom", override) == 4096
    assert context_window("gpt-4", "custom", override) == 8187  # no context there: built-in
