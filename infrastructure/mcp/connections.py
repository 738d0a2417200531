"""Live MCP connections, one per (scope, server), each held open by its own task (the SDK's
transports are anyio task groups: entered and left in one task) on one event loop of their
own, in a daemon thread: any caller's loop, or a plain thread (an agent's tool lookup),
shares them. A tool list is cached
while its connection lives. A call that finds its connection broken (the server restarted,
the process died) reopens it once and retries; a call that overruns its timeout answers a
tool error and leaves the connection usable."""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import logging
import threading
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any

from mcp import Client
from mcp.shared.exceptions import MCPError
from mcp_types import CONNECTION_CLOSED, REQUEST_TIMEOUT

from application.mcp.config import McpServerConfig
from application.mcp.ports import McpUnavailable
from application.mcp.tools import ToolResult, ToolSpec
from infrastructure.mcp.transport import open_client

log = logging.getLogger("chronicle.mcp")
Key = tuple[str, str]  # (scope, server name)


@dataclass
class _Live:
    """One connection: `_hold` opens it, parks until `stop`, and closes it in the same task."""

    server: McpServerConfig
    loop: asyncio.AbstractEventLoop
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    client: Client | None = None
    error: BaseException | None = None
    done: bool = False
    tools: list[ToolSpec] | None = None
    task: asyncio.Task[None] | None = None

    async def _hold(self) -> None:
        try:
            async with open_client(self.server) as client:
                self.client = client
                self.ready.set()
                await self.stop.wait()
        except Exception as error:
            self.error = error
            log.info("MCP server %s: connection ended: %r", self.server.name, error)
        finally:
            self.client, self.done = None, True
            self.ready.set()

    def usable(self) -> bool:
        return (
            not self.done and self.loop is asyncio.get_running_loop() and not self.loop.is_closed()
        )

    async def close(self) -> None:
        if self.loop is not asyncio.get_running_loop():  # opened on another loop
            if not self.loop.is_closed():
                self.loop.call_soon_threadsafe(self.stop.set)
            return
        self.stop.set()
        if self.task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self.task), 5)
            except (TimeoutError, asyncio.CancelledError):
                self.task.cancel()


class _Pool:
    """The connections, used only from the MCP loop."""

    def __init__(self) -> None:
        self._live: dict[Key, _Live] = {}
        self._failed: set[Key] = set()
        self._lock: asyncio.Lock | None = None

    def state(self, server: McpServerConfig, scope: str) -> str:
        live = self._live.get((scope, server.name))
        if live is not None and not live.done and live.server.fingerprint() == server.fingerprint():
            return "connected" if live.client is not None else "connecting"
        return "error" if (scope, server.name) in self._failed else "disconnected"

    async def tools(self, server: McpServerConfig, scope: str) -> list[ToolSpec]:
        live = await self._connected(server, scope)
        if live.tools is None:
            live.tools = await self._list(live)
        return live.tools

    async def reconnect(self, server: McpServerConfig, scope: str) -> list[ToolSpec]:
        await self.disconnect(server.name, scope)
        return await self.tools(server, scope)

    async def disconnect(self, server_name: str, scope: str | None = None) -> None:
        keys = [k for k in self._live if k[1] == server_name and scope in (None, k[0])]
        for key in keys:
            live = self._live.pop(key)
            await live.close()
        self._failed -= set(keys)

    async def close_all(self) -> None:
        for key in list(self._live):
            await self._live.pop(key).close()

    async def call(
        self,
        server: McpServerConfig,
        scope: str,
        tool: str,
        arguments: dict[str, Any],
        timeout: float | None = None,
    ) -> ToolResult:
        limit = timeout if timeout is not None else server.timeout_s
        for attempt in (1, 2):
            try:
                live = await self._connected(server, scope)
            except McpUnavailable as error:
                return ToolResult(str(error), error=True)
            try:
                return await self._call(live, tool, arguments, limit)
            except TimeoutError:
                return _timed_out(tool, limit)
            except MCPError as error:
                if error.error.code == REQUEST_TIMEOUT:
                    return _timed_out(tool, limit)
                if error.error.code != CONNECTION_CLOSED:  # the server refused the call
                    return ToolResult(error.error.message, error=True)
                await self.disconnect(server.name, scope)
                if attempt == 2:
                    return ToolResult(
                        f"MCP server '{server.name}' closed the connection", error=True
                    )
            except Exception as error:
                log.info("MCP %s.%s failed (attempt %d): %r", server.name, tool, attempt, error)
                await self.disconnect(server.name, scope)
                if attempt == 2:
                    return ToolResult(f"MCP server '{server.name}' failed: {error}", error=True)
        raise AssertionError("unreachable")

    async def _call(
        self, live: _Live, tool: str, arguments: dict[str, Any], limit: float
    ) -> ToolResult:
        client = live.client
        if client is None:
            raise ConnectionError("connection closed")
        waiter = client.call_tool(tool, arguments, read_timeout_seconds=limit)
        result = await _bounded(waiter, limit, live)
        return _result(result)

    async def _list(self, live: _Live) -> list[ToolSpec]:
        client = live.client
        if client is None:
            raise McpUnavailable(f"MCP server '{live.server.name}' is not connected")
        try:
            listed = await _bounded(client.list_tools(), live.server.init_timeout_s, live)
        except Exception as error:
            await self.disconnect(live.server.name)
            raise McpUnavailable(f"MCP server '{live.server.name}': {error}") from error
        return [
            ToolSpec(t.name, t.description or "", dict(t.input_schema or {"type": "object"}))
            for t in listed.tools
        ]

    async def _connected(self, server: McpServerConfig, scope: str) -> _Live:
        if self._lock is None or getattr(self._lock, "_loop", None) not in (
            None,
            asyncio.get_running_loop(),
        ):
            self._lock = asyncio.Lock()
        async with self._lock:
            key = (scope, server.name)
            live = self._live.get(key)
            if (
                live is not None
                and live.usable()
                and live.server.fingerprint() == server.fingerprint()
            ):
                return live
            if live is not None:
                self._live.pop(key)
                if live.usable():
                    await live.close()
            live = await self._open(server, key)
            self._live[key] = live
            return live

    async def _open(self, server: McpServerConfig, key: Key) -> _Live:
        live = _Live(server, asyncio.get_running_loop())
        live.task = asyncio.create_task(live._hold(), name=f"mcp:{server.name}")
        try:
            await asyncio.wait_for(live.ready.wait(), server.init_timeout_s)
        except TimeoutError:
            live.task.cancel()
            self._failed.add(key)
            raise McpUnavailable(
                f"MCP server '{server.name}' did not connect within {server.init_timeout_s:g} s"
            ) from None
        if live.client is None:
            self._failed.add(key)
            raise McpUnavailable(f"MCP server '{server.name}' is unreachable: {live.error}")
        self._failed.discard(key)
        return live


async def _bounded(awaitable: Any, limit: float, live: _Live) -> Any:
    """The SDK's own read timeout bounds the request; this also ends the wait if the
    connection dies under it (the holder task finished)."""
    request = asyncio.ensure_future(awaitable)
    ended = asyncio.ensure_future(live.stop.wait())
    try:
        done, _ = await asyncio.wait(
            {request, ended, *([live.task] if live.task else [])},
            timeout=limit + 1,
            return_when=asyncio.FIRST_COMPLETED,
        )
    finally:
        ended.cancel()
    if request in done:
        return request.result()
    request.cancel()
    if not done:
        raise TimeoutError
    raise ConnectionError("connection closed")


def _timed_out(tool: str, limit: float) -> ToolResult:
    return ToolResult(f"Tool '{tool}' timed out after {limit:g} s", error=True)


def _result(result: Any) -> ToolResult:
    texts = []
    for item in getattr(result, "content", None) or []:
        text = getattr(item, "text", None)
        texts.append(text if isinstance(text, str) else json.dumps(item.model_dump(mode="json")))
    structured = getattr(result, "structured_content", None)
    return ToolResult(
        "\n".join(texts),
        error=bool(getattr(result, "is_error", False)),
        structured=structured if isinstance(structured, dict) else None,
    )


class McpConnections:
    """The McpGateway: every operation runs on the MCP loop; `*_now` block the calling
    thread (bounded by the server's timeouts), the others are awaited from any loop."""

    def __init__(self) -> None:
        self._pool = _Pool()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._guard = threading.Lock()

    def _submit(self, coro: Coroutine[Any, Any, Any]) -> concurrent.futures.Future[Any]:
        with self._guard:
            if self._loop is None or self._loop.is_closed():
                self._loop = asyncio.new_event_loop()
                threading.Thread(
                    target=self._loop.run_forever, name="mcp-connections", daemon=True
                ).start()
            return asyncio.run_coroutine_threadsafe(coro, self._loop)

    async def _run(self, coro: Coroutine[Any, Any, Any]) -> Any:
        return await asyncio.wrap_future(self._submit(coro))

    def state(self, server: McpServerConfig, scope: str) -> str:
        return self._pool.state(server, scope)

    async def tools(self, server: McpServerConfig, scope: str) -> list[ToolSpec]:
        tools: list[ToolSpec] = await self._run(self._pool.tools(server, scope))
        return tools

    def tools_now(self, server: McpServerConfig, scope: str) -> list[ToolSpec]:
        tools: list[ToolSpec] = self._submit(self._pool.tools(server, scope)).result()
        return tools

    async def reconnect(self, server: McpServerConfig, scope: str) -> list[ToolSpec]:
        tools: list[ToolSpec] = await self._run(self._pool.reconnect(server, scope))
        return tools

    async def disconnect(self, server_name: str, scope: str | None = None) -> None:
        await self._run(self._pool.disconnect(server_name, scope))

    async def call(
        self,
        server: McpServerConfig,
        scope: str,
        tool: str,
        arguments: dict[str, Any],
        timeout: float | None = None,
    ) -> ToolResult:
        result: ToolResult = await self._run(
            self._pool.call(server, scope, tool, arguments, timeout)
        )
        return result

    async def close_all(self) -> None:
        if self._loop is not None and not self._loop.is_closed():
            await self._run(self._pool.close_all())

    def shutdown(self) -> None:
        """Close every connection (their child processes end) and stop the loop."""
        with self._guard:
            loop, self._loop = self._loop, None
        if loop is None or loop.is_closed():
            return
        try:
            asyncio.run_coroutine_threadsafe(self._pool.close_all(), loop).result(10)
        except Exception:  # closing is best effort
            log.warning("MCP connections did not close cleanly", exc_info=True)
        loop.call_soon_threadsafe(loop.stop)
