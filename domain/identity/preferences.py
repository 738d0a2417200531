"""What a user may keep on their account besides credentials: favorites, preferences, plugins,
checked as LibreChat checks them (its messages are the API's)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from domain.shared.errors import Invalid

MAX_FAVORITES = 50
MAX_FAVORITE_STRING = 256
STATEFUL_CODE_ENVIRONMENTS = ("user", "agent-user", "conversation")
MAX_PLUGIN_KEY = 256
MAX_PLUGINS = 200
MAX_AUTH_FIELDS = 20
MAX_AUTH_VALUE = 4096


class TooManyFavorites(Invalid):
    """LibreChat answers this one with a `code` and the `limit` beside the message."""

    code = "MAX_FAVORITES_EXCEEDED"
    limit = MAX_FAVORITES


def check_favorites(favorites: object) -> list[dict[str, str]]:
    if not favorites:
        raise Invalid("Favorites data is required")
    if not isinstance(favorites, list):
        raise Invalid("Favorites must be an array")
    if len(favorites) > MAX_FAVORITES:
        raise TooManyFavorites(f"Maximum {MAX_FAVORITES} favorites allowed")
    return [_favorite(item) for item in favorites]


def _favorite(item: object) -> dict[str, str]:
    if not isinstance(item, Mapping):
        raise Invalid("Each favorite must have either agentId, model+endpoint, or spec")
    fields = {k: item.get(k) for k in ("agentId", "model", "endpoint", "spec")}
    for name, value in fields.items():
        _short(name, value)
    agent, model, endpoint, spec = (fields[k] for k in ("agentId", "model", "endpoint", "spec"))
    if spec is not None and (not isinstance(spec, str) or not spec):
        raise Invalid("spec must be a non-empty string")
    kinds = [bool(agent), bool(model and endpoint), bool(spec)]
    if not kinds[1] and (model or endpoint) and not agent and not spec:
        raise Invalid("model and endpoint must be provided together")
    if sum(kinds) == 0:
        raise Invalid("Each favorite must have either agentId, model+endpoint, or spec")
    if sum(kinds) > 1:
        raise Invalid("Favorite cannot have multiple types (agentId, model/endpoint, or spec)")
    if spec and (agent or model or endpoint):
        raise Invalid("spec cannot be combined with agentId, model, or endpoint")
    if agent and (model or endpoint):
        raise Invalid("agentId cannot be combined with model or endpoint")
    return {k: v for k, v in fields.items() if isinstance(v, str) and v}


def _short(name: str, value: object) -> None:
    if value is None or value == "":
        return
    if not isinstance(value, str):
        raise Invalid(f"{name} must be a string")
    if len(value) > MAX_FAVORITE_STRING:
        raise Invalid(f"{name} exceeds maximum length of {MAX_FAVORITE_STRING}")
    if "\x00" in value:
        raise Invalid(f"Invalid {name}: must not contain NUL characters")


def check_code_environment(value: object) -> str:
    if not isinstance(value, str) or value not in STATEFUL_CODE_ENVIRONMENTS:
        allowed = ", ".join(STATEFUL_CODE_ENVIRONMENTS)
        raise Invalid(f"statefulCodeEnvironment must be one of: {allowed}")
    return value


def check_plugin_key(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise Invalid("pluginKey is required")
    if len(value) > MAX_PLUGIN_KEY or "\x00" in value:
        raise Invalid(f"pluginKey must be at most {MAX_PLUGIN_KEY} characters, without NUL")
    return value


def check_auth(auth: Mapping[str, Any]) -> dict[str, str]:
    if len(auth) > MAX_AUTH_FIELDS:
        raise Invalid(f"auth may hold at most {MAX_AUTH_FIELDS} fields")
    checked: dict[str, str] = {}
    for key, value in auth.items():
        if not isinstance(value, str) or len(value) > MAX_AUTH_VALUE or len(key) > 256:
            raise Invalid(f"auth.{key[:64]} must be a string of at most {MAX_AUTH_VALUE}")
        checked[key] = value
    return checked
