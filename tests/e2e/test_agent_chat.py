"""Chatting with an agent on SQLite and PostgreSQL + Redis: the agent's model, instructions
and tools; the tool loop through the fake OpenAI and Anthropic servers, with LibreChat's run
step frames; tool errors and timeouts go back to the model; every tool call is an event on
the conversation; a viewer may chat, a stranger may not."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any
from uuid import UUID

import pytest
from httpx_sse import EventSource

from application.agents.builtin import BuiltinTools
from application.chat.catalog import Endpoint
from application.chat.ports import ToolSpec
from domain.conversations.events import MessagePosted, ToolCallCompleted
from infrastructure.chat.anthropic import AnthropicModel
from infrastructure.chat.openai import OpenAIModel
from tests.e2e.conftest import Api
from tests.fakes.provider_server import running_provider_server

ROOT = "00000000-0000-0000-0000-000000000000"
SCHEMA = {"type": "object", "properties": {"input": {"type": "string"}}}


class Broken:
    spec = ToolSpec("broken", "Always fails.", SCHEMA)
    timeout = 5.0

    async def call(self, args: dict[str, Any]) -> str:
        raise RuntimeError("the disk is on fire")


class Hanging:
    spec = ToolSpec("hanging", "Never answers.", SCHEMA)
    timeout = 0.2

    async def call(self, args: dict[str, Any]) -> str:
        await asyncio.sleep(60)
        return "never"


class FaultyTools:
    def __init__(self) -> None:
        self.by_name = {"broken": Broken(), "hanging": Hanging()}

    def tools(self, user_id: UUID, names: Sequence[str]) -> list[Any]:
        return [self.by_name[n] for n in names if n in self.by_name]


def _providers(api: Api, url: str) -> None:
    catalog = api.container.chat.catalog
    catalog.add(
        Endpoint(
            "openAI", OpenAIModel("sk-test", f"{url}/v1", timeout=5), ["gpt-4o"], kind="openAI"
        )
    )
    catalog.add(
        Endpoint(
            "anthropic",
            AnthropicModel("sk-ant", base_url=url, timeout=5),
            ["claude-x"],
            kind="anthropic",
        )
    )
    api.container.tools.sources = [BuiltinTools(), FaultyTools()]


def _agent(api: Api, headers: dict[str, str], provider: str, model: str, tools: list[str]) -> Any:
    body = {"name": "Tooly", "provider": provider, "model": model, "tools": tools}
    body["instructions"] = "Use tools."
    response = api.client.post("/api/agents", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def _chat(api: Api, headers: dict[str, str], agent_id: str, text: str) -> Any:
    return api.client.post(
        "/api/agents/chat/agents",
        headers=headers,
        json={
            "text": text,
            "conversationId": None,
            "parentMessageId": ROOT,
            "endpoint": "agents",
            "agent_id": agent_id,
        },
    )


def _frames(api: Api, headers: dict[str, str], stream_id: str) -> list[dict[str, Any]]:
    with api.client.stream(
        "GET", f"/api/agents/chat/stream/{stream_id}", headers=headers
    ) as stream:
        return [sse.json() for sse in EventSource(stream).iter_sse()]


def _tool_events(api: Api, conversation_id: str) -> list[ToolCallCompleted]:
    events = api.container.stores["conversations"].events.get(UUID(conversation_id))
    return [e for e in events if isinstance(e, ToolCallCompleted)]


@pytest.mark.parametrize(("provider", "model"), [("openAI", "gpt-4o"), ("anthropic", "claude-x")])
def test_a_tool_loop_turn_streams_run_steps_and_records_the_calls(
    api: Api, provider: str, model: str
) -> None:
    me = api.user("owner@example.com")
    with running_provider_server() as url:
        _providers(api, url)
        agent = _agent(api, me, provider, model, ["calculator"])
        started = _chat(api, me, agent["id"], "(2 + 3) * 4 [[tool:calculator]]")
        assert started.status_code == 200, started.text
        frames = _frames(api, me, started.json()["streamId"])
    events = [f.get("event") for f in frames]
    assert events.count("on_run_step") == 3  # text step, tool step, text step
    tool_step = next(
        f["data"]
        for f in frames
        if f.get("event") == "on_run_step" and f["data"]["type"] == "tool_calls"
    )
    call = tool_step["stepDetails"]["tool_calls"][0]
    assert call["name"] == "calculator" and call["type"] == "tool_call"
    assert '"(2 + 3) * 4"' in call["args"]
    delta = next(f["data"] for f in frames if f.get("event") == "on_run_step_delta")
    assert delta["id"] == tool_step["id"] and delta["delta"]["type"] == "tool_calls"
    done = next(f["data"] for f in frames if f.get("event") == "on_run_step_completed")
    assert done["result"]["tool_call"]["output"] == "20"
    assert done["result"]["id"] == tool_step["id"]
    final = frames[-1]
    assert final["final"] is True
    answer = final["responseMessage"]
    assert answer["text"] == "Tool said: 20"
    kinds = [p["type"] for p in answer["content"]]
    assert kinds == ["tool_call", "text"]
    cid = final["conversation"]["conversationId"]
    assert final["conversation"]["endpoint"] == "agents"
    recorded = _tool_events(api, cid)
    assert [(e.name, e.output, e.is_error, e.round) for e in recorded] == [
        ("calculator", "20", False, 1)
    ]
    assert str(recorded[0].message_id) == answer["messageId"]
    posted = [
        e
        for e in api.container.stores["conversations"].events.get(UUID(cid))
        if isinstance(e, MessagePosted) and not e.is_created_by_user
    ]
    usage = posted[0].extra["usage"]
    assert usage["completion"] == 10  # both model calls (5 tokens each) are counted


@pytest.mark.parametrize(("provider", "model"), [("openAI", "gpt-4o"), ("anthropic", "claude-x")])
@pytest.mark.parametrize(
    ("tool", "said"),
    [("broken", "Error: RuntimeError: the disk is on fire"), ("hanging", "timed out after 0.2s")],
)
def test_a_failing_or_hanging_tool_is_an_error_result_for_the_model(
    api: Api, provider: str, model: str, tool: str, said: str
) -> None:
    me = api.user("owner@example.com")
    with running_provider_server() as url:
        _providers(api, url)
        agent = _agent(api, me, provider, model, [tool])
        started = _chat(api, me, agent["id"], f"go [[tool:{tool}]]")
        frames = _frames(api, me, started.json()["streamId"])
    final = frames[-1]
    assert final.get("final") is True, frames[-1]
    assert said in final["responseMessage"]["text"]
    recorded = _tool_events(api, final["conversation"]["conversationId"])
    assert len(recorded) == 1 and recorded[0].is_error and said in recorded[0].output


def test_tool_rounds_are_bounded(api: Api) -> None:
    me = api.user("owner@example.com")
    with running_provider_server() as url:
        _providers(api, url)
        agent = _agent(api, me, "openAI", "gpt-4o", ["calculator"])
        started = _chat(api, me, agent["id"], "1+1 [[tool:calculator]] [[loop]]")
        frames = _frames(api, me, started.json()["streamId"])
    assert frames[-1].get("final") is True
    recorded = _tool_events(api, frames[-1]["conversation"]["conversationId"])
    assert len(recorded) == 8 and recorded[-1].round == 8


def test_a_viewer_chats_with_a_shared_agent_a_stranger_may_not(api: Api) -> None:
    owner = api.user("owner@example.com")  # ADMIN: may share agents
    viewer, stranger = api.user("bob@example.com"), api.user("carol@example.com")
    with running_provider_server() as url:
        _providers(api, url)
        agent = _agent(api, owner, "openAI", "gpt-4o", [])
        before = api.events("conversations")
        refused = _chat(api, viewer, agent["id"], "hello")
        assert refused.status_code == 403
        assert _chat(api, viewer, "agent_missing0000000000000", "hello").status_code == 404
        assert _chat(api, viewer, "", "hello").status_code == 400
        assert api.events("conversations") == before
        bob = api.client.get("/api/user", headers=viewer).json()["id"]
        grant = {"updated": [{"type": "user", "id": bob, "accessRoleId": "agent_viewer"}]}
        put = api.client.put(f"/api/permissions/agent/{agent['_id']}", json=grant, headers=owner)
        assert put.status_code == 200, put.text
        started = _chat(api, viewer, agent["id"], "hello")
        assert started.status_code == 200, started.text
        frames = _frames(api, viewer, started.json()["streamId"])
        assert _chat(api, stranger, agent["id"], "hello").status_code == 403
    assert frames[-1]["responseMessage"]["text"].startswith("Hello from openai: hello")
