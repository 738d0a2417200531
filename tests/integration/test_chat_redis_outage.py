"""Chat turns when the Redis behind the stream bus dies and comes back: the store keeps them."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest

from application.chat.catalog import Endpoint
from application.chat.service import ChatService, StartChat
from infrastructure.chat.echo import EchoModel
from tests.streaming import until_text_streamed

WORDS = " ".join(f"w{i}" for i in range(40))


class OwnRedis:
    """A redis-server of this test's own, which it can kill and start again on one port."""

    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self._process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.02)
        raise AssertionError("redis-server did not start")

    def kill(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.wait()
            self._process = None


@pytest.fixture
def own_redis() -> Iterator[OwnRedis]:
    server = OwnRedis()
    try:
        server.start()
    except (OSError, AssertionError) as error:
        pytest.skip(f"cannot run redis-server: {error}")
    yield server
    server.kill()


@pytest.fixture
async def container(settings_for: Callable[..., Any], own_redis: OwnRedis) -> AsyncIterator[Any]:
    """A PostgreSQL container whose stream bus is on this test's own Redis."""
    from application.bootstrap import bootstrap

    prefix = f"chronicle-test-{uuid.uuid4().hex[:12]}"
    built = bootstrap(settings_for("postgres", redis_url=own_redis.url, redis_prefix=prefix))
    yield built
    await built.chat.close()
    built.close()


def _slow_chat(container: Any) -> ChatService:
    chat: ChatService = container.chat
    chat.catalog.add(Endpoint("slow", EchoModel(0.02), ["slow"], label="Slow", kind="echo"))
    return chat


def _answers(container: Any, user: uuid.UUID, conversation_id: str) -> list[Any]:
    convo = container.conversations.get(user, uuid.UUID(conversation_id))
    return [m for m in convo.messages.values() if not m.is_created_by_user]


async def _settle(chat: ChatService) -> None:
    tasks = list(chat._tasks.values())
    if tasks:
        await asyncio.wait(tasks, timeout=20)


async def test_turns_record_their_answer_when_redis_dies_mid_generation(
    container: Any, own_redis: OwnRedis
) -> None:
    chat, user = _slow_chat(container), uuid.uuid4()
    # Given four turns accepted while Redis is up
    before = [
        await chat.start(user, StartChat(text=f"{WORDS} t{n}", endpoint="slow")) for n in range(4)
    ]
    for started in before:
        await until_text_streamed(chat.bus, started["streamId"])
    # When Redis dies mid-generation
    own_redis.kill()
    await _settle(chat)
    # Then each turn still ends with its whole answer in the event store
    for n, started in enumerate(before):
        answers = _answers(container, user, started["conversationId"])
        assert [a.text for a in answers] == [f"Echo: {WORDS} t{n}"]
        assert not answers[0].unfinished
    # And when Redis is back, new turns stream and are stored with their full text
    own_redis.start()
    after = [await chat.start(user, StartChat(text=f"back {n}", endpoint="slow")) for n in range(3)]
    for n, started in enumerate(after):
        frames = [f async for f in chat.frames(user, started["streamId"])]
        assert frames[-1]["data"]["final"] is True
        answers = _answers(container, user, started["conversationId"])
        assert [(a.text, a.unfinished) for a in answers] == [(f"Echo: back {n}", False)]


async def test_a_turn_starts_after_redis_restarted_while_idle(
    container: Any, own_redis: OwnRedis
) -> None:
    chat, user = _slow_chat(container), uuid.uuid4()
    for text in ("before", "after"):
        # Given a turn before, then Redis restarted with no call meanwhile
        started = await chat.start(user, StartChat(text=text, endpoint="slow"))
        frames = [f async for f in chat.frames(user, started["streamId"])]
        assert frames[-1]["data"]["final"] is True
        own_redis.kill()
        own_redis.start()
    # Then the turn after the restart started, streamed and was recorded
    answers = _answers(container, user, started["conversationId"])
    assert [(a.text, a.unfinished) for a in answers] == [("Echo: after", False)]
