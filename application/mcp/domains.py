"""Where a user-added MCP server may point (LibreChat's `mcpSettings.allowedDomains`): with
a list, only its hosts (`*.example.com` for subdomains); without one, any public host, but
never a private, loopback or link-local address (a user must not reach the deployment's
own network through the server's connections: SSRF)."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlsplit

from domain.shared.errors import Forbidden

Resolver = Callable[[str], list[str]]


class DomainNotAllowed(Forbidden):
    """LibreChat answers 403 `{"error": "MCP_DOMAIN_NOT_ALLOWED", "message": ...}`."""

    code = "MCP_DOMAIN_NOT_ALLOWED"


def resolve(host: str) -> list[str]:
    try:
        return [str(info[4][0]) for info in socket.getaddrinfo(host, None)]
    except (OSError, UnicodeError):
        return []


class DomainPolicy:
    def __init__(self, allowed: Sequence[str] | None, resolver: Resolver = resolve) -> None:
        self.allowed = tuple(_host(entry) for entry in allowed) if allowed else None
        self._resolve = resolver

    @classmethod
    def from_settings(cls, mcp_settings: Any) -> DomainPolicy:
        allowed = mcp_settings.get("allowedDomains") if isinstance(mcp_settings, dict) else None
        entries = [str(a) for a in allowed] if isinstance(allowed, list) else None
        return cls(entries)

    def check(self, url: str) -> None:
        host = (urlsplit(url).hostname or "").lower()
        if self.allowed is not None:
            if not any(_matches(host, entry) for entry in self.allowed):
                raise DomainNotAllowed(f'Domain "{host}" is not allowed for MCP servers')
            return
        addresses = [host] if _is_ip(host) else self._resolve(host)
        if any(_private(a) for a in addresses):
            raise DomainNotAllowed(
                f'Domain "{host}" resolves to a private address; MCP servers must be public '
                "unless mcpSettings.allowedDomains lists them"
            )


def _host(entry: str) -> str:
    entry = entry.strip().lower()
    return (urlsplit(entry).hostname or entry) if "://" in entry else entry.split(":")[0]


def _matches(host: str, entry: str) -> bool:
    if entry.startswith("*."):
        return host == entry[2:] or host.endswith(entry[1:])
    return host == entry


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _private(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address.split("%")[0])
    except ValueError:
        return True
    mapped = getattr(ip, "ipv4_mapped", None)
    ip = mapped or ip
    return not ip.is_global or ip.is_multicast
