"""An agent turn that calls MCP tools through the agents' tool loop, on SQLite and
PostgreSQL: the fake streamable-HTTP server and mcp-server-time over stdio, behind the fake
OpenAI and Anthropic servers; a tool that hangs (timeout), a call the server refuses, a
server that is down. The tool frames and the recorded ToolCallCompleted events are checked."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from uuid import UUID

import pytest

from application.agents.builtin import BuiltinTools
from application.config.librechat import read_config
from application.mcp.agent_tools import McpToolSource
from tests.e2e.conftest import Api
from tests.e2e.test_agent_chat import _agent, _chat, _frames, _providers, _tool_events
from tests.fakes.mcp_server import FakeMcpProcess, free_port
from tests.fakes.provider_server import running_provider_server
from tests.integration.test_mcp_connections import TIME_SERVER


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeMcpProcess]:
    process = FakeMcpProcess()
    process.start()
    yield process
    process.stop()


@pytest.fixture(params=["sqlite", "distributed"])
def mcp(request: pytest.FixtureRequest, api_for: Callable[..., Api], fake: FakeMcpProcess) -> Api:
    sections = {
        "mcpServers": {
            "time": {"command": TIME_SERVER, "args": ["--local-timezone", "UTC"]},
            "fake": {"type": "streamable-http", "url": fake.url, "timeout": 1000},
            "down": {"url": f"http://127.0.0.1:{free_port()}/mcp", "initTimeout": 2000},
        }
    }
    return api_for(str(request.param), librechat=read_config(sections, "librechat.yaml"))


def _turn(api: Api, me: dict[str, str], provider: str, model: str, tool: str) -> list[dict]:
    with running_provider_server() as url:
        _providers(api, url)  # it sets the test's sources: MCP's go back beside the built-ins
        api.container.tools.sources = [BuiltinTools(), McpToolSource(api.container.mcp_tools)]
        agent = _agent(api, me, provider, model, [tool])
        started = _chat(api, me, agent["id"], f"hi there [[tool:{tool}]]")
        assert started.status_code == 200, started.text
        return _frames(api, me, started.json()["streamId"])


@pytest.mark.parametrize(("provider", "model"), [("openAI", "gpt-4o"), ("anthropic", "claude-x")])
def test_an_agent_calls_an_mcp_tool_over_streamable_http(
    mcp: Api, provider: str, model: str
) -> None:
    me = mcp.user("owner@example.com")
    frames = _turn(mcp, me, provider, model, "echo_mcp_fake")
    steps = [f["data"] for f in frames if f.get("event") == "on_run_step"]
    call = next(s for s in steps if s["type"] == "tool_calls")["stepDetails"]["tool_calls"][0]
    assert call["name"] == "echo_mcp_fake"
    done = next(f["data"] for f in frames if f.get("event") == "on_run_step_completed")
    assert done["result"]["tool_call"]["output"] == "echo: hi there"
    final = frames[-1]
    assert final["responseMessage"]["text"] == "Tool said: echo: hi there"
    recorded = _tool_events(mcp, final["conversation"]["conversationId"])
    assert [(e.name, e.output, e.is_error) for e in recorded] == [
        ("echo_mcp_fake", "echo: hi there", False)
    ]


def test_the_stdio_time_server_answers_the_agents_call(mcp: Api) -> None:
    me = mcp.user("owner@example.com")
    frames = _turn(mcp, me, "openAI", "gpt-4o", "get_current_time_mcp_time")
    final = frames[-1]
    recorded = _tool_events(mcp, final["conversation"]["conversationId"])
    # the fake model sends {"input": ...}; the real server refuses it: a tool error, no timezone
    assert len(recorded) == 1 and recorded[0].name == "get_current_time_mcp_time"
    assert recorded[0].is_error and "timezone" in recorded[0].output
    assert final.get("final") is True and "error" in final["responseMessage"]["text"].lower()


def test_a_hanging_mcp_tool_times_out_as_a_tool_error(mcp: Api) -> None:
    me = mcp.user("owner@example.com")
    frames = _turn(mcp, me, "openAI", "gpt-4o", "nap_mcp_fake")
    final = frames[-1]
    assert final.get("final") is True
    recorded = _tool_events(mcp, final["conversation"]["conversationId"])
    assert len(recorded) == 1 and recorded[0].is_error
    assert "timed out" in recorded[0].output


def test_a_server_that_is_down_leaves_the_agent_without_its_tools(mcp: Api) -> None:
    me = mcp.user("owner@example.com")
    frames = _turn(mcp, me, "openAI", "gpt-4o", "anything_mcp_down")
    final = frames[-1]
    assert final.get("final") is True
    assert final["responseMessage"]["text"].startswith("Hello from openai")
    cid = UUID(final["conversation"]["conversationId"])
    assert _tool_events(mcp, str(cid)) == []
    status = mcp.client.get("/api/mcp/connection/status/down", headers=me).json()
    assert status["connectionStatus"] == "error"
