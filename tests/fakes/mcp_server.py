"""An MCP server over streamable HTTP for the tests (the SDK's MCPServer, FastMCP in mcp 1),
run as its own process so a test can stop and restart it:
`python -m tests.fakes.mcp_server PORT`."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import time
from pathlib import Path

from mcp.server.mcpserver import MCPServer

server = MCPServer("fake")


@server.tool()
def add(a: int, b: int) -> str:
    """Add two integers."""
    return str(a + b)


@server.tool()
def fail(reason: str) -> str:
    """Always raises, so the caller sees a tool error."""
    raise RuntimeError(reason)


@server.tool()
async def hang(seconds: float) -> str:
    """Sleeps longer than any caller waits."""
    await asyncio.sleep(seconds)
    return "woke"


@server.tool()
def echo(input: str) -> str:
    """Says back what it was given (the fake model's tool calls send `input`)."""
    return f"echo: {input}"


@server.tool()
async def nap(input: str) -> str:
    """Never answers in time."""
    await asyncio.sleep(60)
    return "woke"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class FakeMcpProcess:
    """The fake server in a child process on a fixed port: `start`, `stop`, `start` again."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}/mcp"
        self._proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        root = Path(__file__).resolve().parents[2]
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "tests.fakes.mcp_server", str(self.port)],
            cwd=root,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("fake MCP server did not start")

    def stop(self) -> None:
        if self._proc is not None:
            self._proc.terminate()
            self._proc.wait(10)
            self._proc = None


if __name__ == "__main__":
    server.run("streamable-http", host="127.0.0.1", port=int(sys.argv[1]))
