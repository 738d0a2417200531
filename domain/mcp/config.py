"""LibreChat's rules for an MCP server a user adds (`MCPServerUserInputSchema`): remote
transports only (a stdio command is an administrator's choice, in librechat.yaml), an
http(s) URL without `${VAR}` references, a title of letters, digits and spaces. Server-managed
keys (timeouts, startup, customUserVars...) are dropped, as zod drops unknown keys."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from domain.shared.errors import Invalid

MCP_DELIMITER = "_mcp_"  # LibreChat's Constants.mcp_delimiter: `<tool>_mcp_<server>`
REMOTE_TYPES = ("streamable-http", "http", "sse")
MAX_URL, MAX_TITLE, MAX_DESCRIPTION, MAX_HEADERS, MAX_VALUE = 2048, 128, 2000, 32, 4096
_TITLE = re.compile(r"^[a-zA-Z0-9 ]+$")
_ENV_REF = re.compile(r"\$\{[^}]+\}")
_OAUTH_KEYS = ("client_id", "client_secret", "scope", "authorization_url", "token_url",
               "redirect_uri")  # fmt: skip


class InvalidConfig(Invalid):
    """LibreChat answers 400 `{"message": "Invalid configuration", "errors": [...]}`."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__("Invalid configuration")
        self.errors = errors


def check_user_config(raw: Any) -> dict[str, Any]:
    """The config to store, or InvalidConfig listing every problem (path and message)."""
    errors: list[dict[str, Any]] = []
    if not isinstance(raw, dict):
        raise InvalidConfig([_error([], "Expected object")])
    kind = raw.get("type", "streamable-http" if "url" in raw else None)
    if kind not in REMOTE_TYPES:
        errors.append(_error(["type"], "Only streamable-http, http and sse servers may be added"))
    config: dict[str, Any] = {"type": kind}
    config["url"] = _url(raw.get("url"), errors)
    for key, limit in (("title", MAX_TITLE), ("description", MAX_DESCRIPTION),
                       ("iconPath", MAX_URL)):  # fmt: skip
        value = raw.get(key)
        if value is not None:
            config[key] = _text(value, [key], limit, errors)
    if "title" in config and config["title"] is not None and not _TITLE.match(config["title"]):
        errors.append(_error(["title"], "Title can only contain letters, numbers, and spaces"))
    if raw.get("headers") is not None:
        config["headers"] = _strings(raw["headers"], ["headers"], errors)
    if raw.get("oauth") is not None:
        config["oauth"] = _oauth(raw["oauth"], errors)
    if errors:
        raise InvalidConfig(errors)
    return {k: v for k, v in config.items() if v is not None}


def server_name_base(title: str | None) -> str | None:
    """LibreChat's `generateServerNameFromTitle`; None without a title (then `mcp-<nanoid>`)."""
    if not title:
        return None
    slug = re.sub(r"[^a-z0-9\s-]", "", title.lower().strip())
    slug = re.sub(r"-+", "-", re.sub(r"\s+", "-", slug)).strip("-")
    return slug or "mcp-server"


def next_name(base: str, taken: set[str]) -> str:
    """`base`, else `base-N` after the highest N taken (LibreChat's findNextAvailableServerName)."""
    pattern = re.compile(rf"^{re.escape(base)}(-(\d+))?$")
    numbers = [int(m.group(2) or 1) for n in taken if (m := pattern.match(n))]
    return f"{base}-{max(numbers) + 1}" if numbers else base


def normalize_server_name(name: str) -> str:
    """LibreChat's `normalizeServerName`: what tool keys carry."""
    if re.fullmatch(r"[a-zA-Z0-9_.-]+", name):
        return name
    normalized = re.sub(r"[^a-zA-Z0-9_.-]", "_", name).strip("_")
    return normalized or f"server_{abs(hash(name)) % 10**8}"


def tool_key(tool: str, server: str) -> str:
    return f"{tool}{MCP_DELIMITER}{normalize_server_name(server)}"


def _url(value: Any, errors: list[dict[str, Any]]) -> str | None:
    if not isinstance(value, str) or not value:
        errors.append(_error(["url"], "Required"))
        return None
    if len(value) > MAX_URL or "\x00" in value:
        errors.append(_error(["url"], f"URL must be at most {MAX_URL} characters, without NUL"))
        return None
    if _ENV_REF.search(value):
        errors.append(_error(["url"], "Environment variable references are not allowed in URLs"))
        return None
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        errors.append(_error(["url"], "URL must use http:// or https://"))
        return None
    return value


def _text(value: Any, path: list[str], limit: int, errors: list[dict[str, Any]]) -> str | None:
    if not isinstance(value, str):
        errors.append(_error(path, "Expected string"))
        return None
    if len(value) > limit or "\x00" in value:
        errors.append(_error(path, f"Must be at most {limit} characters, without NUL"))
        return None
    return value


def _strings(value: Any, path: list[str], errors: list[dict[str, Any]]) -> dict[str, str] | None:
    if not isinstance(value, dict) or len(value) > MAX_HEADERS:
        errors.append(_error(path, f"Expected an object of at most {MAX_HEADERS} strings"))
        return None
    kept: dict[str, str] = {}
    for key, item in value.items():
        if _text(key, [*path], 256, errors) is None:
            return None
        text = _text(item, [*path, key], MAX_VALUE, errors)
        if text is None:
            return None
        kept[key] = text
    return kept


def _oauth(value: Any, errors: list[dict[str, Any]]) -> dict[str, str] | None:
    if not isinstance(value, dict):
        errors.append(_error(["oauth"], "Expected object"))
        return None
    kept = {k: v for k, v in value.items() if k in _OAUTH_KEYS}
    checked = _strings(kept, ["oauth"], errors)
    for key in ("authorization_url", "token_url", "redirect_uri"):
        url = (checked or {}).get(key)
        if url is not None and urlsplit(url).scheme.lower() not in ("http", "https"):
            errors.append(_error(["oauth", key], "Invalid url"))
    return checked


def _error(path: list[str], message: str) -> dict[str, Any]:
    return {"path": path, "message": message}
