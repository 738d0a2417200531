"""Model endpoints from the environment (LibreChat's variable names) and chronicle.yaml.

```yaml
endpoints:
  custom:
    - name: Ollama
      apiKey: ollama
      baseURL: http://127.0.0.1:11434/v1
      models: {default: [llama3.1]}
      modelDisplayLabel: Llama
```
The offline `echo` endpoint is always there."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from application.settings import SettingsError


@dataclass(frozen=True)
class EndpointConfig:
    name: str
    kind: str  # echo | openAI | anthropic | custom (OpenAI-compatible)
    models: list[str]
    api_key: str = ""
    base_url: str | None = None
    label: str = ""
    order: int = 0
    options: dict[str, Any] = field(default_factory=dict)


def load_endpoints(
    environ: dict[str, str] | None = None, config_file: str | None = None
) -> list[EndpointConfig]:
    env = dict(os.environ if environ is None else environ)
    endpoints = [EndpointConfig("echo", "echo", ["echo"], label="Echo", order=99)]
    if env.get("OPENAI_API_KEY"):
        endpoints.append(
            EndpointConfig(
                "openAI",
                "openAI",
                _models(env.get("OPENAI_MODELS"), ["gpt-4o", "gpt-4o-mini"]),
                env["OPENAI_API_KEY"],
                env.get("OPENAI_REVERSE_PROXY") or None,
                "OpenAI",
                0,
            )
        )
    if env.get("ANTHROPIC_API_KEY"):
        endpoints.append(
            EndpointConfig(
                "anthropic",
                "anthropic",
                _models(env.get("ANTHROPIC_MODELS"), ["claude-sonnet-4-5", "claude-haiku-4-5"]),
                env["ANTHROPIC_API_KEY"],
                env.get("ANTHROPIC_REVERSE_PROXY") or None,
                "Claude",
                1,
            )
        )
    path = config_file or env.get("CHRONICLE_CONFIG") or "chronicle.yaml"
    if Path(path).is_file():
        endpoints += _custom(_yaml(path).get("endpoints") or {}, env)
    return endpoints


def _custom(section: dict[str, Any], env: dict[str, str]) -> list[EndpointConfig]:
    found = []
    for index, item in enumerate(section.get("custom") or []):
        where = f"endpoints.custom[{index}]"
        if not isinstance(item, dict) or not item.get("name") or not item.get("baseURL"):
            raise SettingsError(f"{where}: needs at least name and baseURL")
        models = (item.get("models") or {}).get("default") or []
        if not models or not all(isinstance(m, str) for m in models):
            raise SettingsError(f"{where}.models.default: a list of model names is required")
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


def _expand(value: str, env: dict[str, str]) -> str:
    """`${VAR}` reads the environment, as librechat.yaml allows."""
    return re.sub(r"\$\{(\w+)\}", lambda m: env.get(m.group(1), ""), value)


def _models(raw: str | None, default: list[str]) -> list[str]:
    return [m.strip() for m in raw.split(",") if m.strip()] if raw else default


def _yaml(path: str) -> dict[str, Any]:
    try:
        data = yaml.safe_load(Path(path).read_text()) or {}
    except yaml.YAMLError as error:
        raise SettingsError(f"{path}: not valid YAML ({error})") from None
    return data if isinstance(data, dict) else {}
