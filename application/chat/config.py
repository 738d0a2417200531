"""Model endpoints from LibreChat's environment variables and librechat.yaml's `endpoints:`.

```yaml
endpoints:
  custom:
    - name: Ollama
      apiKey: ollama
      baseURL: http://127.0.0.1:11434/v1
      models: {default: [llama3.1], fetch: false}
      titleConvo: true
      titleModel: current_model
      modelDisplayLabel: Llama
      iconURL: https://example.com/ollama.png
    - name: OpenRouter
      apiKey: user_provided        # each user PUTs their key to /api/keys
      baseURL: ${OPENROUTER_URL}   # ${VAR} reads the environment, as LibreChat does
      models: {default: [gpt-4o-mini]}
```
The offline `echo` endpoint is always there. `load_settings` calls `load_endpoints` once, so
the endpoints travel in `Settings.endpoints` like every other setting."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

USER_PROVIDED = "user_provided"  # LibreChat's AuthType.USER_PROVIDED
# LibreChat never expands these in librechat.yaml: infrastructure secrets must not leak outwards
SENSITIVE = frozenset(
    {
        "JWT_SECRET",
        "JWT_REFRESH_SECRET",
        "CREDS_KEY",
        "CREDS_IV",
        "MEILI_MASTER_KEY",
        "MONGO_URI",
        "REDIS_URI",
        "REDIS_PASSWORD",
        "CHRONICLE_MASTER_KEY",
        "CHRONICLE_DATABASE_URL",
    }
)
_VARIABLE = re.compile(r"\$\{([^}]+)\}")


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
    user_provide: bool = False  # apiKey (or baseURL) is `user_provided`: each user's own key
    user_provide_url: bool = False  # baseURL is `user_provided`: the user's key names it too
    icon_url: str | None = None
    fetch_models: bool = False  # models.fetch: the provider's /models list, default as fallback
    title_convo: bool = True
    title_model: str | None = None  # None or `current_model`: the conversation's own model
    custom_params: dict[str, Any] | None = field(default=None, hash=False)
    token_config: dict[str, dict[str, float]] = field(default_factory=dict, hash=False)
    headers: dict[str, str] = field(default_factory=dict, hash=False)


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
    if section is not None and not isinstance(section, Mapping):
        raise EndpointError("endpoints: must be a mapping")
    for order, (name, key, models, proxy, default, label) in enumerate(_PROVIDERS):
        if not env.get(key):
            continue
        user_provide = env[key] == USER_PROVIDED  # LibreChat: OPENAI_API_KEY=user_provided
        block = (section or {}).get(name) or {}
        endpoints.append(
            EndpointConfig(
                name,
                name,
                _models(env.get(models), default),
                "" if user_provide else env[key],
                env.get(proxy) or None,
                label,
                order,
                user_provide=user_provide,
                title_convo=bool(block.get("titleConvo", True)),
                title_model=_title_model(block.get("titleModel")),
            )
        )
    custom = (section or {}).get("custom") or []
    if not isinstance(custom, list):
        raise EndpointError("endpoints.custom: must be a list")
    found = [_custom(item, index, env) for index, item in enumerate(custom)]
    names = [e.name for e in endpoints + found]
    if len(set(names)) != len(names):
        twice = sorted({n for n in names if names.count(n) > 1})
        raise EndpointError(f"endpoints.custom: the name {twice[0]!r} is used twice")
    return (*endpoints, *found)


def _custom(item: Any, index: int, env: Mapping[str, str]) -> EndpointConfig:
    where = f"endpoints.custom[{index}]"
    if not isinstance(item, dict) or not item.get("name") or not item.get("baseURL"):
        raise EndpointError(f"{where}: needs at least name, baseURL and models")
    models = item.get("models") or {}
    if not isinstance(models, dict):
        raise EndpointError(f"{where}.models: must be a mapping (default, fetch)")
    default, fetch = models.get("default") or [], models.get("fetch") is True
    if not isinstance(default, list) or not all(isinstance(m, str) and m for m in default):
        raise EndpointError(f"{where}.models.default: must be a list of model names")
    if not default and not fetch:
        raise EndpointError(f"{where}.models.default: a list of model names is required")
    _mapping(item, "addParams", where)
    drop = item.get("dropParams")
    if drop is not None and not (isinstance(drop, list) and all(isinstance(p, str) for p in drop)):
        raise EndpointError(f"{where}.dropParams: must be a list of parameter names")
    api_key = expand(str(item.get("apiKey", "")), env)
    base_url = expand(str(item["baseURL"]), env)
    return EndpointConfig(
        normalize_name(str(item["name"])),
        "custom",
        [str(m) for m in default],
        api_key,
        base_url,
        _text(item, "modelDisplayLabel", where),
        10 + index,
        {k: v for k, v in item.items() if k not in ("apiKey", "headers")},
        user_provide=USER_PROVIDED in (api_key, base_url),
        user_provide_url=base_url == USER_PROVIDED,
        icon_url=_text(item, "iconURL", where) or None,
        fetch_models=fetch,
        title_convo=item.get("titleConvo") is not False,
        title_model=_title_model(item.get("titleModel")),
        custom_params=_mapping(item, "customParams", where) or None,
        token_config=_token_config(item.get("tokenConfig"), where),
        headers={str(k): expand(str(v), env) for k, v in _mapping(item, "headers", where).items()},
    )


def expand(value: str, env: Mapping[str, str]) -> str:
    """LibreChat's `extractEnvVariable`: `${VAR}` becomes the variable's value; an unset one
    (or an infrastructure secret) stays as written, which the start-up notices point out."""

    def value_of(match: re.Match[str]) -> str:
        name = match.group(1)
        return match.group(0) if name in SENSITIVE else env.get(name) or match.group(0)

    return _VARIABLE.sub(value_of, value.strip())


def unresolved(config: EndpointConfig) -> list[str]:
    """The `${VAR}` references of an endpoint's key and URL no variable answered."""
    return _VARIABLE.findall(f"{config.api_key} {config.base_url or ''}")


def normalize_name(name: str) -> str:
    """LibreChat's `normalizeEndpointName`: any casing of Ollama is `ollama`."""
    return "ollama" if name.lower() == "ollama" else name


def _title_model(value: Any) -> str | None:
    return None if value in (None, "", "current_model") else str(value)


def _text(item: dict[str, Any], key: str, where: str) -> str:
    value = item.get(key)
    if value is not None and not isinstance(value, str):
        raise EndpointError(f"{where}.{key}: must be text")
    return value or ""


def _mapping(item: dict[str, Any], key: str, where: str) -> dict[str, Any]:
    value = item.get(key)
    if value is not None and not isinstance(value, dict):
        raise EndpointError(f"{where}.{key}: must be a mapping")
    return dict(value or {})


def _token_config(value: Any, where: str) -> dict[str, dict[str, float]]:
    """`tokenConfig: {model: {prompt, completion, context}}`: rates per 1M tokens, window."""
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
        raise EndpointError(f"{where}.tokenConfig: must map model names to their rates")
    try:
        return {str(m): {str(k): _number(n) for k, n in v.items()} for m, v in value.items()}
    except (TypeError, ValueError):
        raise EndpointError(f"{where}.tokenConfig: rates must be numbers, 0 or more") from None


def _number(value: Any) -> float:
    """A rate or window as written: 8192 stays an integer on the wire, 0.5 a float."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise TypeError(value)
    number = float(value)
    if not math.isfinite(number) or number < 0:
        raise ValueError(value)
    return int(number) if number.is_integer() else number


def _models(raw: str | None, default: list[str]) -> list[str]:
    return [m.strip() for m in raw.split(",") if m.strip()] if raw else default
