"""Opening one MCP session through the official SDK: stdio (a child process) or streamable
HTTP / SSE (with the configured headers)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

from mcp import Client, StdioServerParameters
from mcp.client.sse import sse_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

from application.mcp.config import McpServerConfig


@asynccontextmanager
async def open_client(server: McpServerConfig) -> AsyncIterator[Client]:
    """A connected, initialised client; the connection closes when the block ends."""
    async with AsyncExitStack() as stack:
        client = Client(_transport(server, stack), read_timeout_seconds=server.timeout_s)
        yield await stack.enter_async_context(client)


def _transport(server: McpServerConfig, stack: AsyncExitStack) -> Any:
    if server.transport == "stdio":
        assert server.command is not None
        return StdioServerParameters(
            command=server.command, args=list(server.args), env=dict(server.env) or None
        )
    assert server.url is not None
    if server.transport == "sse":
        return sse_client(server.url, headers=dict(server.headers), timeout=server.init_timeout_s)
    http = create_mcp_http_client(headers=dict(server.headers))
    stack.push_async_callback(http.aclose)
    return streamable_http_client(server.url, http_client=http)
