"""Chat turns through the application service: detached generation, abort, resume, errors."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from api.chat.frames import LibreChatFrames
from application.chat.catalog import Catalog, Endpoint
from application.chat.service import ChatService, StartChat
from infrastructure.chat.echo import EchoModel
from infrastructure.chat.openai import OpenAIModel
from infrastructure.streams import MemoryStreamBus
from tests.fakes.provider_server import running_provider_server
from tests.streaming import until_text_streamed


def _service(container: Any, delay: float = 0.0, openai_url: str | None = None) -> ChatService:
    catalog = Catalog()
    catalog.add(Endpoint("echo", EchoModel(delay), ["echo"], label="Echo", kind="echo"))
    if openai_url:
        catalog.add(
            Endpoint(
                "openAI",
                OpenAIModel("sk-test", f"{openai_url}/v1", timeout=5),
                ["gpt-4o"],
                label="GPT-4o",
                kind="openAI",
            )
        )
    return ChatService(
        container.conversations, container.messages, catalog, MemoryStreamBus(), LibreChatFrames()
    )


async def _drain(chat: ChatService, user: uuid.UUID, stream_id: str) -> list[dict[str, Any]]:
    return [frame async for frame in chat.frames(user, stream_id)]


def _text(frames: list[dict[str, Any]]) -> str:
    return "".join(
        f["data"]["data"]["delta"]["content"][0]["text"]
        for f in frames
        if f["data"].get("event") == "on_message_delta"
    )


async def test_a_new_turn_streams_and_records_one_assistant_message(
    container_for: Callable[..., Any],
) -> None:
    container = container_for("sqlite")
    chat, user = _service(container), uuid.uuid4()
    started = await chat.start(user, StartChat(text="hello there world", endpoint="echo"))
    frames = await _drain(chat, user, started["streamId"])
    assert frames[0]["data"]["created"] is True
    assert _text(frames) == "Echo: hello there world"
    final = frames[-1]["data"]
    assert final["final"] is True and final["responseMessage"]["text"] == "Echo: hello there world"
    assert any(f["data"].get("event") == "title" for f in frames)
    convo = container.conversations.get(user, uuid.UUID(started["conversationId"]))
    assert [m.is_created_by_user for m in convo.ordered_messages()] == [True, False]
    assert convo.title == "hello there world"


async def test_a_repeated_client_request_id_does_not_start_twice(
    container_for: Callable[..., Any],
) -> None:
    container = container_for("sqlite")
    chat, user = _service(container, delay=0.02), uuid.uuid4()
    command = StartChat(text="once only", endpoint="echo", client_request_id="req-1")
    first = await chat.start(user, command)
    second = await chat.start(user, command)
    assert second["status"] == "resumed" and second["streamId"] == first["streamId"]
    await _drain(chat, user, first["streamId"])
    assert (await chat.start(user, command))["status"] == "settled"
    convo = container.conversations.get(user, uuid.UUID(first["conversationId"]))
    assert len(convo.messages) == 2


async def test_abort_keeps_the_partial_text_as_unfinished(
    container_for: Callable[..., Any],
) -> None:
    container = container_for("sqlite")
    chat, user = _service(container, delay=0.05), uuid.uuid4()
    started = await chat.start(
        user, StartChat(text="one two three four five six seven", endpoint="echo")
    )
    await until_text_streamed(chat.bus, started["streamId"])
    await chat.abort(user, started["streamId"])
    frames = await _drain(chat, user, started["streamId"])
    final = frames[-1]["data"]
    assert final["aborted"] is True and final["responseMessage"]["unfinished"] is True
    partial = final["responseMessage"]["text"]
    assert partial and "seven" not in partial
    convo = container.conversations.get(user, uuid.UUID(started["conversationId"]))
    response = [m for m in convo.messages.values() if not m.is_created_by_user]
    assert response[0].unfinished and response[0].text == partial


async def test_resume_sends_a_sync_frame_then_the_rest(container_for: Callable[..., Any]) -> None:
    container = container_for("sqlite")
    chat, user = _service(container, delay=0.03), uuid.uuid4()
    started = await chat.start(user, StartChat(text="a b c d e f g h", endpoint="echo"))
    await until_text_streamed(chat.bus, started["streamId"])
    frames = [f async for f in chat.frames(user, started["streamId"], resume=True)]
    assert frames[0]["data"]["sync"] is True
    assert frames[-1]["data"]["final"] is True


async def test_a_provider_error_keeps_the_user_message(container_for: Callable[..., Any]) -> None:
    container = container_for("sqlite")
    with running_provider_server() as url:
        chat, user = _service(container, openai_url=url), uuid.uuid4()
        started = await chat.start(
            user, StartChat(text="boom [[error:429]]", endpoint="openAI", model="gpt-4o")
        )
        frames = await _drain(chat, user, started["streamId"])
    assert frames[-1]["event"] == "error" and "429" in frames[-1]["data"]["error"]
    convo = container.conversations.get(user, uuid.UUID(started["conversationId"]))
    assert [m.text for m in convo.messages.values()] == ["boom [[error:429]]"]


async def test_regenerate_adds_a_sibling_answer(container_for: Callable[..., Any]) -> None:
    container = container_for("sqlite")
    chat, user = _service(container), uuid.uuid4()
    started = await chat.start(user, StartChat(text="again", endpoint="echo"))
    frames = await _drain(chat, user, started["streamId"])
    question = frames[-1]["data"]["requestMessage"]["messageId"]
    again = await chat.start(
        user,
        StartChat(
            text="again",
            endpoint="echo",
            conversation_id=started["conversationId"],
            is_regenerate=True,
            override_parent_message_id=question,
        ),
    )
    await _drain(chat, user, again["streamId"])
    convo = container.conversations.get(user, uuid.UUID(started["conversationId"]))
    answers = [m for m in convo.messages.values() if str(m.parent_message_id) == question]
    assert len(answers) == 2


async def test_someone_elses_stream_is_not_found(container_for: Callable[..., Any]) -> None:
    from domain.shared.errors import NotFound

    container = container_for("sqlite")
    chat, user = _service(container), uuid.uuid4()
    started = await chat.start(user, StartChat(text="mine", endpoint="echo"))
    with pytest.raises(NotFound):
        await _drain(chat, uuid.uuid4(), started["streamId"])
    await _drain(chat, user, started["streamId"])


async def test_another_process_can_follow_a_generation_through_redis(
    container_for: Callable[..., Any],
) -> None:
    # Given two API processes sharing Redis (two containers, one database)
    first = container_for("distributed", echo_delay_s=0.02)
    second_bus = type(first.chat.bus)(
        __import__("redis.asyncio").asyncio.Redis.from_url(first.settings.redis_url),
        first.settings.redis_prefix,
    )
    reader = ChatService(
        first.conversations,
        first.messages,
        first.chat.catalog,
        second_bus,
        LibreChatFrames(),
        node="other",
    )
    user = uuid.uuid4()
    # When the first starts a turn and the second streams it with resume
    started = await first.chat.start(user, StartChat(text="across processes", endpoint="echo"))
    frames = [f async for f in reader.frames(user, started["streamId"], resume=True)]
    # Then the second sees a sync frame and the final answer
    assert frames[0]["data"]["sync"] is True
    assert frames[-1]["data"]["responseMessage"]["text"] == "Echo: across processes"
    assert await reader.active(user) == []


async def _titled(container: Any, user: uuid.UUID, conversation_id: str) -> str:
    for _ in range(200):
        title = container.conversations.get(user, uuid.UUID(conversation_id)).title
        if title != "New Chat":
            return str(title)
        await asyncio.sleep(0.05)
    raise AssertionError("no title was recorded")


async def test_the_title_comes_from_the_model_of_the_turn_after_final(
    container_for: Callable[..., Any],
) -> None:
    container = container_for("sqlite")
    with running_provider_server() as url:
        chat, user = _service(container, openai_url=url), uuid.uuid4()
        started = await chat.start(
            user, StartChat(text="Name this chat", endpoint="openAI", model="gpt-4o")
        )
        frames = await _drain(chat, user, started["streamId"])
        # The answer is not held back for the title: final comes first
        assert frames[-1]["data"]["final"] is True
        assert frames[-1]["data"]["title"] == "New Chat"
        title = await _titled(container, user, started["conversationId"])
    assert title.startswith("Hello from openai")


async def test_the_title_worker_titles_once_even_when_asked_twice(
    container_for: Callable[..., Any],
) -> None:
    # Given a container whose in-process Dramatiq worker runs the title actor
    container = container_for("sqlite", workers=True)
    with running_provider_server() as url:
        container.chat.catalog.add(_service(container, openai_url=url).catalog.endpoints["openAI"])
        user = uuid.uuid4()
        started = await container.chat.start(
            user, StartChat(text="Name this chat", endpoint="openAI", model="gpt-4o")
        )
        await _drain(container.chat, user, started["streamId"])
        title = await _titled(container, user, started["conversationId"])
        # When the title is requested again (a duplicate delivery), nothing changes
        again = await container.chat.title_conversation(user, uuid.UUID(started["conversationId"]))
    assert title.startswith("Hello from openai") and again == title
    convo = container.conversations.get(user, uuid.UUID(started["conversationId"]))
    assert convo.version == 4  # started, user message, answer, one title


async def test_the_sweep_finishes_a_generation_whose_process_died(
    container_for: Callable[..., Any],
) -> None:
    # Given a generation that another process started and stopped beating for
    container = container_for("sqlite")
    chat, user = _service(container, delay=0.05), uuid.uuid4()
    chat.catalog.add(Endpoint("echo2", EchoModel(0.05), ["echo-2"], label="Echo 2", kind="echo"))
    started = await chat.start(
        user, StartChat(text="one two three four five six", endpoint="echo2")
    )
    await until_text_streamed(chat.bus, started["streamId"])
    task = chat._tasks.pop(started["streamId"])
    task.cancel()  # the "process" dies: no final frame, nothing recorded by it
    job = await chat.bus.get(started["streamId"])
    assert job is not None
    job.status, job.heartbeat = "running", 0.0
    await chat.bus.save(job)
    # When the sweep runs
    assert await chat.sweep(stale_after=1.0) == 1
    # Then the text streamed so far is recorded as unfinished and readers get a final frame
    convo = container.conversations.get(user, uuid.UUID(started["conversationId"]))
    answers = [m for m in convo.messages.values() if not m.is_created_by_user]
    assert answers and answers[0].unfinished and answers[0].text.startswith("Echo:")
    assert (answers[0].endpoint, answers[0].model) == ("echo2", "echo-2")
    frames = await _drain(chat, user, started["streamId"])
    assert frames[-1]["data"]["aborted"] is True


async def test_an_answer_with_a_nul_is_recorded_as_streamed(
    container_for: Callable[..., Any],
) -> None:
    container = container_for("distributed")
    with running_provider_server() as url:
        chat, user = _service(container, openai_url=url), uuid.uuid4()
        started = await chat.start(
            user, StartChat(text="zero [[nul]]", endpoint="openAI", model="gpt-4o")
        )
        frames = await _drain(chat, user, started["streamId"])
    final = frames[-1]["data"]
    assert final.get("final") is True, final
    answer = final["responseMessage"]["text"]
    assert answer == _text(frames) == "Hello from openai: zero \ufffd"
    convo = container.conversations.get(user, uuid.UUID(started["conversationId"]))
    assert answer in [m.text for m in convo.messages.values()]
