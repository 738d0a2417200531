"""What a chat process keeps and frees: the memory bus, the sweep, abort's title, title sends."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from api.chat.frames import LibreChatFrames
from application.chat.catalog import Catalog, Endpoint
from application.chat.ports import Job
from application.chat.service import ChatService, StartChat
from application.chat.titles import TitleRequests
from domain.conversations.rules import NO_PARENT
from infrastructure.chat.echo import EchoModel
from infrastructure.chat.openai import OpenAIModel
from infrastructure.streams import MemoryStreamBus, RedisStreamBus
from tests.fakes.provider_server import running_provider_server
from tests.streaming import until_text_streamed


def _chat(
    container: Any, bus: Any = None, kind: str = "echo", titles: TitleRequests | None = None
) -> ChatService:
    catalog = Catalog()
    catalog.add(Endpoint("echo", EchoModel(), ["echo"], label="Echo", kind=kind))
    catalog.add(Endpoint("slow", EchoModel(0.05), ["slow"], label="Slow", kind=kind))
    bus = bus or MemoryStreamBus()
    return ChatService(
        container.conversations, container.messages, catalog, bus, LibreChatFrames(), titles=titles
    )


async def _turn(chat: ChatService, user: uuid.UUID, **fields: Any) -> list[dict[str, Any]]:
    command = StartChat(**{"text": "hi there", "endpoint": "echo", **fields})
    started = await chat.start(user, command)
    return [f async for f in chat.frames(user, started["streamId"])]


async def test_the_memory_bus_keeps_a_bounded_number_of_finished_generations(
    container_for: Callable[..., Any],
) -> None:
    bus = MemoryStreamBus(keep_finished=3)
    chat, user = _chat(container_for("sqlite"), bus), uuid.uuid4()
    for _ in range(8):
        await _turn(chat, user)
    assert bus.retained() == 3


async def test_the_memory_bus_frees_finished_generations_after_its_retention(
    container_for: Callable[..., Any],
) -> None:
    bus = MemoryStreamBus(retention_s=0.2)
    chat, user = _chat(container_for("sqlite"), bus), uuid.uuid4()
    for _ in range(4):
        await _turn(chat, user)
    # A client that reloads right after the end still finds the turn
    assert bus.retained() == 4
    await asyncio.sleep(0.3)
    await _turn(chat, user)
    assert bus.retained() == 1


async def test_one_failing_job_does_not_stop_the_sweep_of_the_others(
    container_for: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    container = container_for("sqlite")
    chat, user = _chat(container), uuid.uuid4()
    # Given a stale job whose conversation cannot be found, listed before a good one
    broken = Job(str(uuid.uuid4()), str(uuid.uuid4()), str(user), 0, str(uuid.uuid4()), {})
    await chat.bus.create(broken)
    started = await chat.start(user, StartChat(text="one two three four", endpoint="slow"))
    await until_text_streamed(chat.bus, started["streamId"])
    chat._tasks.pop(started["streamId"]).cancel()  # its process "dies"
    job = await chat.bus.get(started["streamId"])
    assert job is not None
    job.status, job.heartbeat = "running", 0.0
    # When the sweep runs
    with caplog.at_level(logging.ERROR, logger="chronicle.chat"):
        swept = await chat.sweep(stale_after=1.0)
    # Then the good job is finished, and the broken one is logged with its error
    assert swept == 1
    convo = container.conversations.get(user, uuid.UUID(started["conversationId"]))
    assert [m.unfinished for m in convo.messages.values() if not m.is_created_by_user] == [True]
    assert any(broken.stream_id in r.getMessage() and r.exc_info for r in caplog.records)


async def test_an_aborted_turn_keeps_the_conversation_title(
    container_for: Callable[..., Any],
) -> None:
    chat, user = _chat(container_for("sqlite")), uuid.uuid4()
    first = (await _turn(chat, user, text="planning a trip to Lisbon"))[-1]["data"]
    cid = first["conversation"]["conversationId"]
    started = await chat.start(
        user,
        StartChat(
            text="and what about one two three four five six seven eight",
            endpoint="slow",
            conversation_id=cid,
            parent_message_id=first["responseMessage"]["messageId"],
        ),
    )
    await until_text_streamed(chat.bus, started["streamId"])
    await chat.abort(user, started["streamId"])
    frames = [f async for f in chat.frames(user, started["streamId"])]
    assert frames[-1]["data"]["aborted"] is True
    assert frames[-1]["data"]["title"] == "planning a trip to Lisbon"


async def test_a_slow_title_broker_does_not_stall_other_requests(
    container_for: Callable[..., Any],
) -> None:
    # Given a title queue whose send blocks for a second (a Redis that hangs)
    sent = threading.Event()

    def slow_send(user_id: str, conversation_id: str) -> None:
        time.sleep(1.0)
        sent.set()

    chat = _chat(container_for("sqlite"), kind="model", titles=slow_send)
    user = uuid.uuid4()
    gaps: list[float] = []

    async def ticker() -> None:
        last = time.monotonic()
        while not sent.is_set():
            await asyncio.sleep(0.01)
            gaps.append(time.monotonic() - last)
            last = time.monotonic()

    # When a new conversation's turn ends and asks for its title
    ticking = asyncio.create_task(ticker())
    await _turn(chat, user)
    await asyncio.wait_for(ticking, timeout=5)
    # Then the event loop kept serving meanwhile
    assert sent.is_set() and max(gaps) < 0.5


def _bus_of_a_restarted_process(container: Any) -> Any:
    """The bus a new process sees once the old one died with its jobs: empty memory when
    embedded; when distributed, a Redis that came back without its data."""
    if not container.settings.redis_url:
        return MemoryStreamBus()
    import redis.asyncio

    client = redis.asyncio.Redis.from_url(container.settings.redis_url)
    return RedisStreamBus(client, f"{container.settings.redis_prefix}-restarted")


@pytest.mark.parametrize("kind", ["sqlite", "distributed"])
async def test_the_sweep_answers_a_turn_whose_job_the_bus_lost(
    container_for: Callable[..., Any], kind: str
) -> None:
    container = container_for(kind)
    user, cid, question = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    # Given a turn whose user message is stored and whose process died with its job
    container.conversations.start(user, cid, endpoint="echo", model="echo", settings={})
    container.messages.post_message(
        user, cid, question, NO_PARENT, sender="User", is_created_by_user=True, text="lost"
    )
    chat = _chat(container, _bus_of_a_restarted_process(container))
    # And, on the new process, a turn that ended in a provider error (no answer, by design)
    with running_provider_server() as url:
        model = OpenAIModel("sk-test", f"{url}/v1", timeout=5)
        chat.catalog.add(Endpoint("openAI", model, ["gpt-4o"]))
        failed = await _turn(chat, user, text="boom [[error:429]]", endpoint="openAI")
    assert failed[-1]["event"] == "error"
    for read_model in ("conversation_list", "transcript"):  # what the sweep's candidates read
        container.projections.catch_up(read_model)
    await asyncio.sleep(0.6)
    # When a process sweeps (twice, or two processes one after the other)
    assert await chat.sweep(stale_after=0.5) == 1
    assert await chat.sweep(stale_after=0.5) == 0
    # Then the lost turn ends with one unfinished answer to its message
    convo = container.conversations.get(user, cid)
    answers = [m for m in convo.messages.values() if not m.is_created_by_user]
    assert [(a.parent_message_id, a.unfinished) for a in answers] == [(question, True)]


async def test_the_sweep_keeps_an_answer_recorded_while_the_bus_was_down(
    container_for: Callable[..., Any],
) -> None:
    container = container_for("sqlite")
    chat, user = _chat(container), uuid.uuid4()
    # Given a turn recorded whole whose job the bus still lists as running, with the partial
    # text of its last heartbeat (its finish never reached the bus)
    final = (await _turn(chat, user, text="the whole answer"))[-1]["data"]
    job = await chat.bus.get(final["conversation"]["conversationId"])
    assert job is not None
    job.status, job.heartbeat, job.text = "running", 0.0, "Echo: the"
    # When the sweep runs
    assert await chat.sweep(stale_after=1.0) == 1
    # Then the stored answer is still whole, and readers get a final frame with it
    convo = container.conversations.get(user, uuid.UUID(job.conversation_id))
    answers = [m for m in convo.messages.values() if not m.is_created_by_user]
    assert [(a.text, a.unfinished) for a in answers] == [("Echo: the whole answer", False)]
    frames = await chat.bus.backlog(job.stream_id)
    assert frames[-1]["data"]["responseMessage"]["text"] == "Echo: the whole answer"
    assert "aborted" not in frames[-1]["data"]
