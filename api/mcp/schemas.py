"""Request bodies of /api/mcp/servers: `{"config": {...}}` (LibreChat's MCPServerCreateParams
and MCPServerUpdateParams). The config itself is checked by domain/mcp/config.py, so its
errors come back in LibreChat's `{"message": "Invalid configuration", "errors": [...]}`."""

from __future__ import annotations

from typing import Any

import msgspec


class ServerBody(msgspec.Struct, kw_only=True):
    config: Any = None
