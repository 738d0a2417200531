"""MCP servers as a connection needs them, from librechat.yaml / chronicle.yaml `mcpServers:`
(an administrator's: stdio commands allowed, `${VAR}` read from the environment) or from a
user's stored config (remote only). Timeouts are LibreChat's, in milliseconds in the file."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from domain.mcp.config import MCP_DELIMITER

DEFAULT_TIMEOUT_S = 60.0  # a tool call (LibreChat's default `timeout`: 60 s)
DEFAULT_INIT_TIMEOUT_S = 30.0  # connect and list tools
_ENV_REF = re.compile(r"\$\{([^}]+)\}")
TRANSPORTS = ("stdio", "streamable-http", "sse")


class McpConfigError(ValueError):
    """An `mcpServers` entry is wrong; the message names it."""


@dataclass(frozen=True)
class McpServerConfig:
    name: str
    transport: str  # stdio | streamable-http | sse
    command: str | None = None
    args: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict, hash=False)
    url: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict, hash=False)
    timeout_s: float = DEFAULT_TIMEOUT_S
    init_timeout_s: float = DEFAULT_INIT_TIMEOUT_S
    title: str | None = None
    description: str | None = None
    icon_path: str | None = None
    source: str = "config"  # config (yaml) | user (added through /api/mcp/servers)
    raw: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=False)

    def fingerprint(self) -> tuple[Any, ...]:
        """What a live connection was opened with: a changed config opens a new one."""
        return (self.transport, self.command, self.args, tuple(sorted(self.env.items())),
                self.url, tuple(sorted(self.headers.items())))  # fmt: skip


def configured_servers(
    section: Any, environ: Mapping[str, str] | None = None
) -> dict[str, McpServerConfig]:
    """librechat.yaml's `mcpServers` mapping, checked (McpConfigError names the bad entry)."""
    if section is None:
        return {}
    if not isinstance(section, Mapping):
        raise McpConfigError("mcpServers must be a mapping of server names to options")
    env = os.environ if environ is None else environ
    return {str(name): _server(str(name), options, env) for name, options in section.items()}


def user_server(name: str, config: Mapping[str, Any]) -> McpServerConfig:
    kind = config.get("type", "streamable-http")
    return McpServerConfig(
        name=name,
        transport="sse" if kind == "sse" else "streamable-http",
        url=str(config["url"]),
        headers=dict(config.get("headers") or {}),
        title=config.get("title"),
        description=config.get("description"),
        icon_path=config.get("iconPath"),
        source="user",
        raw=dict(config),
    )


def _server(name: str, options: Any, env: Mapping[str, str]) -> McpServerConfig:
    where = f"mcpServers.{name}"
    if not name or MCP_DELIMITER in name:
        raise McpConfigError(f"{where}: a server name must be non-empty, without '{MCP_DELIMITER}'")
    if not isinstance(options, Mapping):
        raise McpConfigError(f"{where} must be a mapping")
    kind = options.get("type") or ("stdio" if "command" in options else "streamable-http")
    kind = "streamable-http" if kind == "http" else kind
    if kind not in TRANSPORTS:
        raise McpConfigError(f"{where}.type must be one of {', '.join(TRANSPORTS)}")
    common: dict[str, Any] = {
        "name": name,
        "transport": kind,
        "timeout_s": _millis(options.get("timeout"), DEFAULT_TIMEOUT_S, f"{where}.timeout"),
        "init_timeout_s": _millis(
            options.get("initTimeout"), DEFAULT_INIT_TIMEOUT_S, f"{where}.initTimeout"
        ),
        "title": _optional_str(options.get("title"), f"{where}.title"),
        "description": _optional_str(options.get("description"), f"{where}.description"),
        "icon_path": _optional_str(options.get("iconPath"), f"{where}.iconPath"),
        "raw": dict(options),
    }
    if kind == "stdio":
        command = options.get("command")
        if not isinstance(command, str) or not command:
            raise McpConfigError(f"{where}.command is required for a stdio server")
        return McpServerConfig(
            command=_expand(command, env),
            args=tuple(_expand(str(a), env) for a in _list(options.get("args"), f"{where}.args")),
            env={
                k: _expand(v, env) for k, v in _strings(options.get("env"), f"{where}.env").items()
            },
            **common,
        )
    url = options.get("url")
    if not isinstance(url, str) or not re.match(r"^https?://", _expand(url, env), re.I):
        raise McpConfigError(f"{where}.url must be an http(s) URL")
    headers = _strings(options.get("headers"), f"{where}.headers")
    return McpServerConfig(
        url=_expand(url, env), headers={k: _expand(v, env) for k, v in headers.items()}, **common
    )


def _expand(value: str, env: Mapping[str, str]) -> str:
    """LibreChat's extractEnvVariable: `${NAME}` is the variable's value (kept when unset)."""
    return _ENV_REF.sub(lambda m: env.get(m.group(1).strip(), m.group(0)), value)


def _millis(value: Any, default: float, where: str) -> float:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise McpConfigError(f"{where} must be a non-negative number of milliseconds")
    return value / 1000 if value else default


def _optional_str(value: Any, where: str) -> str | None:
    if value is not None and not isinstance(value, str):
        raise McpConfigError(f"{where} must be a string")
    return value


def _list(value: Any, where: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise McpConfigError(f"{where} must be a list")
    return value


def _strings(value: Any, where: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise McpConfigError(f"{where} must be a mapping of strings")
    return {str(k): str(v) for k, v in value.items()}
