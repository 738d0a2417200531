"""Model endpoints from LibreChat's environment variables and chronicle.yaml's `endpoints:`.

```yaml
endpoints:
  custom:
    - name: Ollama
      apiKey: ollama
      baseURL: http://127.0.0.1:11434/v1
      models: {default: [llama3.1]}
      modelDisplayLabel: Llama
```
The offline `echo` endpoint is always there. `load_settings` calls `load_endpoints` once, so
the endpoints travel in `Settings.endpoints` like every other setting."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


class EndpointError(ValueError):
    """An endpoint is misconfigured; the message says where (a `SettingsError` to callers)."""


@dataclass(frozen=True)
class EndpointConfig:
    # the lists and dicts stay out of the hash, so `Settings`, which holds these, stays hashable
    name: str
    kind: str  # echo | openAI | anthropic | custom (OpenAI-compatible)
    models: list[str] = field(hash=False)
    api_key: str = ""
    base_url: str | None = None
    label: str = ""
    order: int = 0
    options: dict[str, Any] = field(default_factory=dict, hash=False)


ECHO = EndpointConfig("echo", "echo", ["echo"], label="Echo", order=99)

# LibreChat's variables: (endpoint, key, models, reverse proxy, default models, label)
_PROVIDERS = (
    (
        "openAI",
        "OPENAI_API_KEY",
        "OPENAI_MODELS",
        "OPENAI_REVERSE_PROXY",
        ["gpt-4o", "gpt-4o-mini"],
        "OpenAI",
    ),
    (
        "anthropic",
        "ANTHROPIC_API_KEY",
        "ANTHROPIC_MODELS",
        "ANTHROPIC_REVERSE_PROXY",
        ["claude-sonnet-4-5", "claude-haiku-4-5"],
        "Claude",
    ),
)


def load_endpoints(
    env: Mapping[str, str], section: Mapping[str, Any] | None = None
) -> tuple[EndpointConfig, ...]:
    """Echo, the providers whose API key is set in `env`, then `section`'s custom ones."""
    endpoints = [ECHO]
    for order, (name, key, models, proxy, default, label) in enumerate(_PROVIDERS):
        if env.get(key):
            endpoints.append(
                EndpointConfig(
                    name,
                    name,
                    _models(env.get(models), default),
                    env[key],
                    env.get(proxy) or None,
                    label,
                    order,
                )
            )
    if section is not None and not isinstance(section, Mapping):
        raise EndpointError("endpoints: must be a mapping")
    return (*endpoints, *_custom(section or {}, env))


def _custom(section: Mapping[str, Any], env: Mapping[str, str]) -> list[EndpointConfig]:
    found = []
    for index, item in enumerate(section.get("custom") or []):
        where = f"endpoints.custom[{index}]"
        if not isinstance(item, dict) or not item.get("name") or not item.get("baseURL"):
            raise EndpointError(f"{where}: needs at least name and baseURL")
        models = (item.get("models") or {}).get("default") or []
        if not models or not all(isinstance(m, str) for m in models):
            raise EndpointError(f"{where}.models.default: a list of model names is required")
        found.append(
            EndpointConfig(
                str(item["name"]),
                "custom",
                list(models),
                _expand(str(item.get("apiKey", "")), env),
                _expand(str(item["baseURL"]), env),
                str(item.get("modelDisplayLabel") or ""),
                10 + index,
                {k: v for k, v in item.items() if k not in ("apiKey",)},
            )
        )
    return found


def _expand(value: str, env: Mapping[str, str]) -> str:
    """`${VAR}` reads the environment, as librechat.yaml allows."""
    return re.sub(r"\$\{(\w+)\}", lambda m: env.get(m.group(1), ""), value)


def _models(raw: str | None, default: list[str]) -> list[str]:
    return [m.strip() for m in raw.split(",") if m.strip()] if raw else default
