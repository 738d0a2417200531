"""MCP connections through the official SDK against real servers: mcp-server-time over stdio
and the fake MCPServer (tests/fakes/mcp_server.py) over streamable HTTP."""

from __future__ import annotations

import asyncio
import json
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from application.mcp.config import McpServerConfig, configured_servers
from infrastructure.mcp.connections import McpConnections
from tests.fakes.mcp_server import FakeMcpProcess, free_port

TIME_SERVER = shutil.which("mcp-server-time") or str(
    Path(sys.executable).parent / "mcp-server-time"
)


def time_server(**extra: object) -> McpServerConfig:
    section = {"time": {"command": TIME_SERVER, "args": ["--local-timezone", "UTC"], **extra}}
    return configured_servers(section)["time"]


def http_server(url: str, **extra: object) -> McpServerConfig:
    return configured_servers({"fake": {"type": "streamable-http", "url": url, **extra}})["fake"]


@pytest.fixture
def fake() -> Iterator[FakeMcpProcess]:
    process = FakeMcpProcess()
    process.start()
    yield process
    process.stop()


def run(coro: object) -> object:
    return asyncio.run(coro)  # type: ignore[arg-type]


def test_stdio_time_server_lists_and_calls_tools() -> None:
    async def scenario() -> None:
        pool = McpConnections()
        try:
            server = time_server()
            names = [t.name for t in await pool.tools(server, "app")]
            assert {"get_current_time", "convert_time"} <= set(names)
            spec = next(t for t in await pool.tools(server, "app") if t.name == "get_current_time")
            assert spec.parameters["properties"]["timezone"]["type"] == "string"
            assert pool.state(server, "app") == "connected"
            result = await pool.call(server, "app", "get_current_time", {"timezone": "UTC"})
            assert not result.error
            assert json.loads(result.content)["timezone"] == "UTC"
            bad = await pool.call(server, "app", "get_current_time", {"timezone": "Nowhere/X"})
            assert bad.error
        finally:
            pool.shutdown()

    run(scenario())


def test_http_server_lists_calls_and_reports_tool_errors(fake: FakeMcpProcess) -> None:
    async def scenario() -> None:
        pool = McpConnections()
        try:
            server = http_server(fake.url)
            assert [t.name for t in await pool.tools(server, "app")] == [
                "add",
                "fail",
                "hang",
                "echo",
                "nap",
            ]
            ok = await pool.call(server, "app", "add", {"a": 2, "b": 40})
            assert (ok.content, ok.error) == ("42", False)
            failed = await pool.call(server, "app", "fail", {"reason": "boom"})
            assert failed.error
        finally:
            pool.shutdown()

    run(scenario())


def test_a_hanging_tool_times_out_and_the_connection_stays_usable(fake: FakeMcpProcess) -> None:
    async def scenario() -> None:
        pool = McpConnections()
        try:
            server = http_server(fake.url)
            loop = asyncio.get_running_loop()
            started = loop.time()
            hung = await pool.call(server, "app", "hang", {"seconds": 30}, timeout=1)
            assert hung.error and "timed out" in hung.content
            assert loop.time() - started < 5
            assert (await pool.call(server, "app", "add", {"a": 1, "b": 1})).content == "2"
        finally:
            pool.shutdown()

    run(scenario())


def test_a_server_that_is_down_answers_an_error_not_an_exception() -> None:
    async def scenario() -> None:
        pool = McpConnections()
        server = http_server(f"http://127.0.0.1:{free_port()}/mcp", initTimeout=3000)
        result = await pool.call(server, "app", "add", {"a": 1, "b": 2})
        assert result.error
        assert pool.state(server, "app") == "error"
        missing = time_server(command="/nonexistent/mcp-server")
        assert (await pool.call(missing, "app", "x", {})).error
        pool.shutdown()

    run(scenario())


def test_reconnects_after_the_server_restarts() -> None:
    process = FakeMcpProcess()
    process.start()

    async def scenario() -> None:
        pool = McpConnections()
        try:
            server = http_server(process.url, initTimeout=3000)
            assert (await pool.call(server, "app", "add", {"a": 1, "b": 2})).content == "3"
            process.stop()
            assert (await pool.call(server, "app", "add", {"a": 1, "b": 2})).error
            process.start()
            assert (await pool.call(server, "app", "add", {"a": 2, "b": 2})).content == "4"
            assert pool.state(server, "app") == "connected"
        finally:
            pool.shutdown()

    try:
        run(scenario())
    finally:
        process.stop()


def test_a_blocking_caller_and_two_loops_share_one_connection(fake: FakeMcpProcess) -> None:
    pool = McpConnections()
    try:
        server = http_server(fake.url)
        assert [t.name for t in pool.tools_now(server, "app")] == [
            "add",
            "fail",
            "hang",
            "echo",
            "nap",
        ]
        for _ in range(2):  # each asyncio.run is a new loop: the connection stays
            result = run(pool.call(server, "app", "add", {"a": 1, "b": 1}))
            assert result.content == "2"  # type: ignore[attr-defined]
        assert len(pool._pool._live) == 1
    finally:
        pool.shutdown()


def test_mcp_tools_behind_the_tool_port(fake: FakeMcpProcess) -> None:
    from application.mcp.toolbox import McpTool

    async def scenario() -> None:
        pool = McpConnections()
        try:
            server = http_server(fake.url)
            specs = await pool.tools(server, "app")
            tools = [McpTool(s, server, "app", pool) for s in specs]
            add = next(t for t in tools if t.name == "add_mcp_fake")
            assert add.description == "Add two integers."
            assert add.parameters["required"] == ["a", "b"]
            assert (await add.call({"a": 5, "b": 6})).content == "11"
            hang = next(t for t in tools if t.name == "hang_mcp_fake")
            assert (await hang.call({"seconds": 30}, timeout=0.5)).error
        finally:
            pool.shutdown()

    run(scenario())
