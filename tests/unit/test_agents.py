"""The Agent aggregate's versions and the tool runner's refusals, without a store."""

from __future__ import annotations

import asyncio
import json
from typing import Any
from uuid import uuid4

import pytest

from application.agents.builtin import Calculator
from application.agents.tools import run
from application.chat.ports import ToolSpec
from domain.agents.agent import Agent, new_agent_id, stream_id
from domain.shared.errors import Invalid, NotFound


def _agent() -> Agent:
    agent_id = new_agent_id()
    agent = Agent.blank(agent_id)
    agent.create(agent_id, uuid4(), {"name": "A", "provider": "openAI", "model": "m"})
    return agent


def test_every_change_is_a_version_and_revert_copies_one() -> None:
    agent = _agent()
    by = agent.author
    agent.update(by, {"name": "B", "description": "d"})
    agent.update(by, {"description": None})
    assert [v.get("name") for v in agent.history] == ["A", "B", "B"]
    assert "description" not in agent.config
    agent.revert(by, 1)
    assert agent.config["description"] == "d" and len(agent.history) == 4
    replayed = Agent.project(None, agent.collect_events())
    assert replayed is not None and replayed.config == agent.config
    assert replayed.id == stream_id(agent.agent_id)
    with pytest.raises(Invalid):
        agent.revert(by, 9)
    agent.delete(by)
    with pytest.raises(NotFound):
        agent.update(by, {"name": "C"})


@pytest.mark.parametrize(
    "changes",
    [{"provider": ""}, {"model": None}, {"name": "x" * 257}, {"weird": 1}, {"tools": ["a\x00"]}],
)
def test_refused_changes_record_nothing(changes: dict[str, Any]) -> None:
    agent = _agent()
    agent.collect_events()
    with pytest.raises(Invalid):
        agent.update(agent.author, changes)
    assert agent.collect_events() == []


class Slow:
    spec = ToolSpec("slow", "", {})
    timeout = 0.05

    async def call(self, args: dict[str, Any]) -> str:
        await asyncio.sleep(5)
        return "late"


def test_the_runner_turns_failures_into_error_results() -> None:
    calc = Calculator()
    ok = asyncio.run(run(calc, json.dumps({"input": "(2 + 3) * 4"})))
    assert (ok.output, ok.is_error) == ("20", False)
    for arguments in ("not json", "[1]", json.dumps({"input": "__import__('os')"})):
        bad = asyncio.run(run(calc, arguments))
        assert bad.is_error and bad.output.startswith("Error")
    late = asyncio.run(run(Slow(), "{}"))
    assert late.is_error and "timed out after 0.05s" in late.output
